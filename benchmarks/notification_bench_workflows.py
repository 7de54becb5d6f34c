"""Workflows of the notification benchmark (in their own module: the sandbox re-imports it)."""

import asyncio
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.notifications import NotificationActivities
    from contracts.notifications.delivery import PublishInput
    from contracts.notifications.history import NotifyRequest, NotifyResult
    from workflows.notify import PUBLISH_RETRY, notify


@workflow.defn
class NotifyOnceWorkflow:
    """This design: one notify() with an audience, resolved and written in batches by the activity."""

    @workflow.run
    async def run(self, request: NotifyRequest) -> NotifyResult | None:
        return await notify(request)


@workflow.defn
class NotifyEachWorkflow:
    """The naive design: one activity per teacher, at most `in_flight` at a time."""

    @workflow.run
    async def run(self, request: NotifyRequest, in_flight: int) -> int:
        limit = asyncio.Semaphore(in_flight)

        async def one(user_id: int) -> int:
            async with limit:
                single = request.model_copy(update={"user_ids": [user_id]})
                result = await workflow.execute_activity_method(
                    NotificationActivities.publish_notification, PublishInput(request=single, at=workflow.now()),
                    start_to_close_timeout=timedelta(minutes=5), retry_policy=PUBLISH_RETRY,
                )
                return result.inbox_created

        return sum(await asyncio.gather(*(one(user_id) for user_id in request.user_ids)))
