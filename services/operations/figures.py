"""The product's own figures, read from the database: what /metrics exports as gauges and the admin
page shows. Counted with GROUP BY over indexed columns: cheap enough to read at every scrape."""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from config import Settings
from models import Delivery, RunStall
from services.backups import archive as backups


@dataclass(frozen=True)
class Figures:
    deliveries: Counter  # (channel, status) -> rows
    stalled_runs: int
    last_backup_at: datetime | None

    def backup_age_seconds(self, now: datetime) -> float:
        """None taken yet counts as taken in 1970: an age no alert threshold lets pass."""
        return (now - (self.last_backup_at or datetime.fromtimestamp(0, UTC))).total_seconds()


async def read(session: AsyncSession, settings: Settings) -> Figures:
    rows = await session.execute(select(Delivery.channel, Delivery.status, func.count()).group_by(
        Delivery.channel, Delivery.status))
    stalled = await session.scalar(select(func.count(distinct(RunStall.workflow_id))))
    return Figures(deliveries=Counter({(str(channel), str(status)): n for channel, status, n in rows}),
                   stalled_runs=stalled or 0, last_backup_at=backups.newest_time(settings))
