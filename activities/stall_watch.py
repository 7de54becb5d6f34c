"""The worker's stall watch, around every activity: a refusal by the product's rules fails at
once (retrying cannot change it); any other failure is retried by Temporal, and once an activity
has failed `stall_after_attempts` times or for `stall_after_minutes`, its run is recorded as
stalled (shown in the run pages with the last error) and the admins are told, once. The first
success afterwards clears it: the run carries on by itself when the cause is gone.

While an activity runs, the watch also beats for it (four times per heartbeat timeout), on its own
timer: the beat says only that this worker is alive, so it never waits for the database or a
channel. A worker that is gone falls silent and Temporal gives the step to another one
(workflows/steps.py); whether a delivery may still send is its claims' business (notifications/leases.py)."""

import asyncio
import logging
from contextlib import asynccontextmanager, suppress
from datetime import datetime, timedelta, timezone

from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor

from config import Settings
from contracts.errors import DomainError
from contracts.notifications.history import NotifyRequest
from contracts.notifications.notices import RunStalled
from db import SessionFactory
from notifications.service import publish
from services.runs import stalls as run_stalls

log = logging.getLogger(__name__)


class StallWatch(Interceptor):
    def __init__(self, session_factory: SessionFactory, settings: Settings) -> None:
        self.session_factory = session_factory
        self.settings = settings

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _Watched(next, self)

    def is_stalled(self, info: activity.Info, at: datetime) -> bool:
        return (info.attempt >= self.settings.stall_after_attempts
                or at - info.scheduled_time >= timedelta(minutes=self.settings.stall_after_minutes))

    async def failed(self, info: activity.Info, error: BaseException) -> None:
        at = datetime.now(timezone.utc)
        if not self.is_stalled(info, at):
            return
        text = f"{type(error).__name__}: {error}"
        async with self.session_factory() as session:
            first = await run_stalls.record_failure(
                session, workflow_id=info.workflow_id, run_id=info.workflow_run_id, activity_id=info.activity_id,
                activity_type=info.activity_type, attempt=info.attempt, first_failed_at=info.scheduled_time, at=at,
                error=text)
            if first:
                payload = RunStalled(workflow_id=info.workflow_id, step=info.activity_type, attempts=info.attempt,
                                     since=info.scheduled_time, error=text[:500])
                request = NotifyRequest(payload=payload, key=f"stalled:{info.workflow_id}:{info.activity_id}",
                                        user_ids=await run_stalls.admin_ids(session),
                                        link=f"/console/runs/{info.workflow_id}")
                # Inbox only: an activity cannot start the delivery workflow other channels need.
                inbox_only = self.settings.model_copy(update={"notification_channels": False})
                await publish(session, request=request, at=at, settings=inbox_only)
            await session.commit()

    async def recovered(self, info: activity.Info) -> None:
        async with self.session_factory() as session:
            await run_stalls.clear(session, workflow_id=info.workflow_id, activity_id=info.activity_id)
            await session.commit()


@asynccontextmanager
async def _beating(info: activity.Info):
    """Heartbeats while the body runs, if the step asked to be heard from."""
    if not info.heartbeat_timeout:
        yield
        return

    async def beat() -> None:
        while True:
            activity.heartbeat()
            await asyncio.sleep(info.heartbeat_timeout.total_seconds() / 4)

    timer = asyncio.create_task(beat())
    try:
        yield
    finally:
        timer.cancel()
        with suppress(asyncio.CancelledError):
            await timer


class _Watched(ActivityInboundInterceptor):
    def __init__(self, next: ActivityInboundInterceptor, watch: StallWatch) -> None:
        super().__init__(next)
        self.watch = watch

    async def execute_activity(self, input: ExecuteActivityInput):
        info = activity.info()
        try:
            async with _beating(info):
                result = await self.next.execute_activity(input)
        except DomainError as refused:
            raise ApplicationError(str(refused), type=type(refused).__name__, non_retryable=True) from refused
        except ApplicationError as error:
            if not error.non_retryable:
                await self._safely(self.watch.failed(info, error))
            raise
        except Exception as error:
            await self._safely(self.watch.failed(info, error))
            raise
        if info.attempt > 1:
            await self._safely(self.watch.recovered(info))
        return result

    @staticmethod
    async def _safely(step) -> None:
        """The watch never hides the activity's own outcome (its database may be what is failing)."""
        try:
            await step
        except Exception:
            log.exception("stall watch could not record the activity's state")
