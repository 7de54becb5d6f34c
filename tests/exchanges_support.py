"""Helpers of the exchange tests: exchanges written straight into the database (for the quota
counts, which read dates only), and one made through the API for the role matrix's world."""

from datetime import date, timedelta

import httpx
from sqlalchemy import select

from config import Settings
from contracts import workflow_ids
from contracts.exchanges.history import ExchangeKind, ExchangeStatus
from db import SessionFactory
from models import Exchange, School, Teacher
from services.exchanges.quotas import year_of
from services.exchanges.service import import_key


async def add_exchange(session_factory: SessionFactory, staff_no: str, host: str, *, start: date, days: int,
                       actual: bool = True, kind: ExchangeKind = ExchangeKind.long) -> int:
    """An exchange of `staff_no` at `host` from `start`, `days` long (actually, or as planned only)."""
    async with session_factory() as session:
        teacher = await session.scalar(select(Teacher).where(Teacher.staff_no == staff_no))
        host_id = await session.scalar(select(School.id).where(School.name == host))
        end = start + timedelta(days=days)
        exchange = Exchange(
            import_key=import_key(staff_no=staff_no, host_school_id=host_id, planned_start=start), kind=kind,
            teacher_id=teacher.id, home_school_id=teacher.school_id, host_school_id=host_id, planned_start=start,
            planned_end=end, actual_start=start if actual else None, actual_end=end if actual else None,
            status=ExchangeStatus.returned if actual else ExchangeStatus.planned, steps_done=[])
        session.add(exchange)
        await session.commit()
        return exchange.id


async def exchange_world(staff: httpx.AsyncClient, session_factory: SessionFactory) -> dict[str, object]:
    """For the role matrix: t0002 (teacher in scope) on an exchange from 实验小学 to 东城小学 that
    begins in a year; its run starts."""
    async with session_factory() as session:
        teacher_id = await session.scalar(select(Teacher.id).where(Teacher.staff_no == "t0002"))
    start = date.today() + timedelta(days=365)
    created = await staff.post("/api/v1/exchanges", json={
        "teacher_id": teacher_id, "host_school_id": 2, "kind": "短期交流", "planned_start": start.isoformat(),
        "planned_end": (start + timedelta(days=14)).isoformat()})
    assert created.status_code == 201, created.text
    return {"exchange_id": created.json()["id"]}


async def exchange_workflow_ids(session_factory: SessionFactory) -> list[str]:
    """The runs of the exchanges, and of their school years' quota checkpoints."""
    async with session_factory() as session:
        exchanges = list(await session.scalars(select(Exchange)))
    years = {year_of(exchange.planned_start, Settings(_env_file=None)) for exchange in exchanges}
    return [*(exchange.workflow_id for exchange in exchanges), *map(workflow_ids.exchange_quotas, sorted(years))]
