"""The admin's view of the running product (the console's 运行状况 page): which workers are alive,
the delivery backlog and failures per channel, stalled runs, and the backups."""

from dataclasses import dataclass
from datetime import datetime

from actions.context import Context
from actions.policy import require_admin
from services.backups import archive as backups
from services.backups.manifest import Manifest
from services.operations import figures, heartbeat


@dataclass(frozen=True)
class WorkerRow:
    identity: str
    build_id: str
    started_at: datetime
    beat_at: datetime
    alive: bool


@dataclass(frozen=True)
class Overview:
    workers: list[WorkerRow]
    figures: figures.Figures
    channels: list[str]
    last_backup: Manifest | None
    backups: int


async def overview(ctx: Context) -> Overview:
    require_admin(ctx.user)
    every = ctx.settings.worker_heartbeat_seconds
    workers = [WorkerRow(w.identity, w.build_id, w.started_at, w.beat_at,
                         heartbeat.is_alive(w, now=ctx.now, every_seconds=every))
               for w in await heartbeat.workers(ctx.session)]
    read = await figures.read(ctx.session, ctx.settings)
    archives = backups.listing(ctx.settings)
    return Overview(workers=workers, figures=read, channels=sorted({channel for channel, _ in read.deliveries}),
                    last_backup=backups.unpack_manifest(archives[0]) if archives else None, backups=len(archives))
