"""Whether this instance can serve: the database and Temporal both answer. A probe for load
balancers and `make run`, so it needs no login."""

from datetime import datetime, timedelta, timezone

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

import db
from config import Settings
from services.operations import heartbeat

TEMPORAL_TIMEOUT = timedelta(seconds=3)


async def _database(session: AsyncSession) -> str:
    try:
        await db.ping(session)
    except Exception as exc:  # noqa: BLE001 - any failure means "down"; say which and why
        return f"down: {exc.__class__.__name__}"
    return "ok"


async def _temporal(temporal: Client) -> str:
    try:
        serving = await temporal.service_client.check_health(timeout=TEMPORAL_TIMEOUT)
    except Exception as exc:  # noqa: BLE001
        return f"down: {exc.__class__.__name__}"
    return "ok" if serving else "down: not serving"


async def health(session: AsyncSession, *, temporal: Client) -> dict[str, str]:
    """{"status": "ok" or "degraded", "temporal": ..., "database": ...}: "ok" or "down: why"."""
    database = await _database(session)
    temporal_state = await _temporal(temporal)
    healthy = temporal_state == database == "ok"
    return {"status": "ok" if healthy else "degraded", "temporal": temporal_state, "database": database}


async def _worker(session: AsyncSession, settings: Settings) -> str:
    try:
        workers = await heartbeat.workers(session)
    except Exception as exc:  # noqa: BLE001 - the database's own state is reported beside it
        return f"down: {exc.__class__.__name__}"
    now = datetime.now(timezone.utc)
    alive = [w for w in workers if heartbeat.is_alive(w, now=now, every_seconds=settings.worker_heartbeat_seconds)]
    if alive:
        return "ok"
    return f"down: last heartbeat {workers[0].beat_at:%Y-%m-%dT%H:%M:%SZ}" if workers else "down: no worker"


async def ready(session: AsyncSession, *, temporal: Client, settings: Settings) -> dict[str, str]:
    """`health` plus the worker: ready only when a worker's heartbeat is fresh (runs move)."""
    report = await health(session, temporal=temporal)
    report["worker"] = await _worker(session, settings)
    report["status"] = "ok" if report["status"] == "ok" and report["worker"] == "ok" else "degraded"
    return report
