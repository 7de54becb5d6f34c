"""Each worker process writes a row every WORKER_HEARTBEAT_SECONDS and removes it when it stops; a
worker counts as alive while its row is younger than STALE_BEATS heartbeats (a SIGKILLed one's row
stays, ageing, until then)."""

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from models import WorkerHeartbeat

STALE_BEATS = 3


async def beat(session: AsyncSession, *, identity: str, build_id: str, task_queue: str, started_at: datetime,
               at: datetime) -> None:
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    await session.execute(
        insert(WorkerHeartbeat).values(identity=identity, build_id=build_id, task_queue=task_queue,
                                       started_at=started_at, beat_at=at)
        .on_conflict_do_update(index_elements=["identity"], set_={"beat_at": at, "build_id": build_id}))


async def forget(session: AsyncSession, identity: str) -> None:
    await session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.identity == identity))


async def workers(session: AsyncSession) -> list[WorkerHeartbeat]:
    """Every row, newest beat first (the admin page shows the stale ones too, as stale)."""
    return list(await session.scalars(select(WorkerHeartbeat).order_by(WorkerHeartbeat.beat_at.desc())))


def is_alive(worker: WorkerHeartbeat, *, now: datetime, every_seconds: float) -> bool:
    return now - worker.beat_at < timedelta(seconds=STALE_BEATS * every_seconds)
