"""The stand-in runs of the backup benchmark (in their own module: the sandbox re-imports it): each
one a notice's delivery as Temporal stores it, a few activities with small payloads."""

from datetime import timedelta

from temporalio import activity, workflow


@activity.defn
async def deliver_batch(batch: int) -> str:
    return f"batch {batch}: " + "已发送 " * 50


@workflow.defn
class TermRunWorkflow:
    @workflow.run
    async def run(self, batches: int) -> int:
        for batch in range(batches):
            await workflow.execute_activity(deliver_batch, batch, start_to_close_timeout=timedelta(seconds=30))
        return batches
