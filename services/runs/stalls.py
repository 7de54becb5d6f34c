"""Runs whose activity keeps failing: recorded by the worker's stall watch, read by the run pages."""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.directory.api import Role
from models import RunStall, User


async def record_failure(
    session: AsyncSession, *, workflow_id: str, run_id: str, activity_id: str, activity_type: str, attempt: int,
    first_failed_at: datetime, at: datetime, error: str,
) -> bool:
    """Record (or refresh) the stall; True only the first time, so the admins are told once even
    when two workers race on the same activity."""
    values = {"workflow_id": workflow_id, "run_id": run_id, "activity_id": activity_id,
              "activity_type": activity_type, "attempt": attempt, "first_failed_at": first_failed_at,
              "last_failed_at": at, "last_error": error[:2000]}
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    created = await session.execute(
        insert(RunStall).values(values).on_conflict_do_nothing(index_elements=["workflow_id", "activity_id"])
        .returning(RunStall.id))
    if created.first() is not None:
        return True
    stall = await session.scalar(select(RunStall).where(RunStall.workflow_id == workflow_id,
                                                        RunStall.activity_id == activity_id))
    stall.attempt, stall.last_failed_at, stall.last_error = max(stall.attempt, attempt), at, error[:2000]
    return False


async def clear(session: AsyncSession, *, workflow_id: str, activity_id: str) -> None:
    """The activity succeeded: the run is moving again."""
    await session.execute(delete(RunStall).where(RunStall.workflow_id == workflow_id,
                                                 RunStall.activity_id == activity_id))


async def stalls_of(session: AsyncSession, workflow_ids: Iterable[str]) -> dict[str, RunStall]:
    """The latest stall of each of these runs that has one."""
    rows = await session.scalars(select(RunStall).where(RunStall.workflow_id.in_(list(workflow_ids)))
                                 .order_by(RunStall.last_failed_at))
    return {row.workflow_id: row for row in rows}


async def admin_ids(session: AsyncSession) -> list[int]:
    return list(await session.scalars(select(User.id).where(User.role == Role.admin, User.active.is_(True))))
