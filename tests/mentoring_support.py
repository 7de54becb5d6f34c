"""Fixtures and helpers of the mentor pair tests. Import the fixtures into a test module:

    from tests.mentoring_support import api, stop_pair_runs  # noqa: F401

`api` is the series tests' app on the time-skipping server (its "now" is Temporal's virtual
clock). Pair workflow ids repeat across tests (every database numbers its pairs from 1), so each
test's runs are terminated."""

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from db import SessionFactory
from contracts.mentoring.history import Side
from models import MentoringLog, MentoringPair, MentoringProgramme, Teacher, User
from tests.series_support import api, teacher_id  # noqa: F401 - a fixture, re-exported

STEP = timedelta(days=5)  # a pair has a few timers a month: long virtual sleeps are safe


@pytest.fixture(autouse=True)
async def stop_pair_runs(session_factory: SessionFactory, ts_env) -> AsyncIterator[None]:
    yield
    async with session_factory() as session:
        workflow_ids = [pair.workflow_id for pair in await session.scalars(select(MentoringPair))]
    for workflow_id in workflow_ids:
        try:
            await ts_env.client.get_workflow_handle(workflow_id).terminate("test over")
        except Exception:  # noqa: BLE001 - already finished is fine
            pass


async def advance_to(env: WorkflowEnvironment, at: datetime) -> None:
    while (now := await env.get_current_time()) < at:
        await env.sleep(min(at - now, STEP).total_seconds())


def next_school_year(now: datetime) -> int:
    """The first year of the next school year to start (1 September after now)."""
    return now.year if (now.month, now.day) < (9, 1) else now.year + 1


async def new_pair(api: httpx.AsyncClient, staff: dict, session_factory: SessionFactory, *, year: int,
                   mentor: str = "t0007", mentee: str = "t0002", **programme) -> dict:
    created = await api.post("/api/v1/mentoring/programmes", headers=staff,
                             json={"cluster_id": 1, "school_year": f"{year}-{year + 1}", **programme})
    assert created.status_code == 201, created.text
    pair = await api.post(f"/api/v1/mentoring/programmes/{created.json()['id']}/pairs", headers=staff, json={
        "mentor_teacher_id": await teacher_id(session_factory, mentor),
        "mentee_teacher_id": await teacher_id(session_factory, mentee),
        "subject": "语文", "goals": "一年内独立执教校级公开课"})
    assert pair.status_code == 201, pair.text
    return pair.json()


async def matrix_world(session_factory: SessionFactory, *, today: date, mentor: str = "t0003") -> dict:
    """The role matrix's pair: t0003 (or `mentor`) mentors t0002 (the teacher in scope) in cluster 1, in a programme
    staff01 created; a log by the mentor for t0002 to confirm. Written as the services would, with
    no run: staff's Updates then find none and answer 409, past the authorization decision."""
    async with session_factory() as session:
        users = dict((await session.execute(select(User.username, User.id))).all())
        teachers = dict((await session.execute(select(Teacher.staff_no, Teacher.id))).all())
        programme = MentoringProgramme(
            cluster_id=1, school_year=f"{today.year}-{today.year + 1}", title="青蓝工程",
            stage_dates=[(today + timedelta(days=days)).isoformat() for days in (100, 300)],
            created_by_user_id=users["staff01"])
        session.add(programme)
        await session.flush()
        pair = MentoringPair(programme_id=programme.id, mentor_teacher_id=teachers[mentor],
                             mentee_teacher_id=teachers["t0002"], subject="语文", starts_on=today - timedelta(days=30),
                             ends_on=today + timedelta(days=300), created_by_user_id=users["staff01"])
        session.add(pair)
        await session.flush()
        log = MentoringLog(pair_id=pair.id, kind="observe", happened_on=today, note="听课", side=Side.mentor,
                           author_user_id=users[mentor])
        session.add(log)
        await session.commit()
        return {"programme_id": programme.id, "pair_id": pair.id, "log_id": log.id, "stage": 1}
