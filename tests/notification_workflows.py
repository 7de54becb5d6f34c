"""A caller workflow for the notification tests: waits until a local clock time, then notifies."""

from datetime import datetime, timedelta, timezone

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from pydantic import BaseModel

    from contracts.notifications.history import NotifyRequest, NotifyResult
    from notifications.timing import next_daily
    from workflows.notify import notify


class NotifyAt(BaseModel):
    request: NotifyRequest
    also: list[NotifyRequest] = []  # notified right after `request`, at the same moment
    local_time: str | None = None  # "HH:MM" in Asia/Shanghai (UTC+8 all year); None: at once
    # Stay open this long after notifying: the test server skips time only while a workflow
    # the test waits on is open, and the deliveries run in an abandoned child.
    linger: timedelta = timedelta(hours=12)


class Notified(BaseModel):
    at: datetime
    result: NotifyResult | None


@workflow.defn
class NotifyAtWorkflow:
    @workflow.run
    async def run(self, job: NotifyAt) -> Notified:
        if job.local_time:
            # A fixed offset: zoneinfo is off limits in the workflow sandbox.
            shanghai = timezone(timedelta(hours=8))
            due = next_daily(workflow.now() + timedelta(seconds=1), tz=shanghai, hhmm=job.local_time)
            await workflow.sleep(due - workflow.now())
        at = workflow.now()
        result = await notify(job.request)
        for request in job.also:
            await notify(request)
        await workflow.sleep(job.linger)
        return Notified(at=at, result=result)
