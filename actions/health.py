"""Whether this instance can serve: the database and Temporal both answer. A probe for load
balancers and `make run`, so it needs no login."""

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

import db

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
