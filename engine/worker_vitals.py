"""What a worker process says about itself besides the SDK's metrics: its heartbeat in the database
(/health/ready, the admin page) and the product's gauges on its /metrics, refreshed every
METRICS_REFRESH_SECONDS (notices by channel and status, stalled runs, backup age) plus a counter of
the runs its reconciler had to start."""

import asyncio
import logging
import os
import socket
from contextlib import suppress
from datetime import datetime, timezone

from temporalio.common import MetricMeter

from config import Settings
from contracts.notifications.history import DeliveryStatus
from db import SessionFactory
from services.operations import figures, heartbeat

log = logging.getLogger(__name__)
IDENTITY = f"{socket.gethostname()}:{os.getpid()}"


async def _every(seconds: float, until: asyncio.Event, step) -> None:
    """`step()` now and every `seconds` until `until` is set; a failure is logged, never fatal."""
    while not until.is_set():
        try:
            await step()
        except Exception:  # the database away: the next round tries again, and /health/ready says so
            log.warning("%s failed; again in %s s", step.__name__, seconds, exc_info=True)
        with suppress(TimeoutError):
            await asyncio.wait_for(until.wait(), timeout=seconds)


async def keep_beating(*, settings: Settings, session_factory: SessionFactory, build_id: str,
                       until: asyncio.Event) -> None:
    started = datetime.now(timezone.utc)

    async def beat() -> None:
        async with session_factory() as session:
            await heartbeat.beat(session, identity=IDENTITY, build_id=build_id, task_queue=settings.temporal_task_queue,
                                 started_at=started, at=datetime.now(timezone.utc))
            await session.commit()

    await _every(settings.worker_heartbeat_seconds, until, beat)
    with suppress(Exception):  # stopping: gone from the list at once (else it ages out)
        async with session_factory() as session:
            await heartbeat.forget(session, IDENTITY)
            await session.commit()


class Gauges:
    def __init__(self, meter: MetricMeter, *, settings: Settings, session_factory: SessionFactory) -> None:
        self.settings, self.session_factory = settings, session_factory
        self.notices = meter.create_gauge("jiaoyan_notices", "notification deliveries by channel and status")
        self.stalled = meter.create_gauge("jiaoyan_runs_stalled", "runs whose activity keeps failing")
        self.backup_age = meter.create_gauge(
            "jiaoyan_backup_age_seconds", "age of the newest backup (never: since 1970, so the alert fires)", "s")
        self.reconciler_starts = meter.create_counter(
            "jiaoyan_reconciler_starts", "runs the reconciler started for records that had none")
        self._channels: set[str] = set()

    async def measure(self) -> None:
        async with self.session_factory() as session:
            read = await figures.read(session, self.settings)
        self._channels |= {channel for channel, _ in read.deliveries}
        for channel in self._channels:  # every status of every channel seen: a count back at 0 shows as 0
            for status in DeliveryStatus:
                self.notices.set(read.deliveries[(channel, status.value)], {"channel": channel, "status": status.value})
        self.stalled.set(read.stalled_runs)
        self.backup_age.set(int(read.backup_age_seconds(datetime.now(timezone.utc))))

    async def keep_measuring(self, until: asyncio.Event) -> None:
        await _every(self.settings.metrics_refresh_seconds, until, self.measure)
