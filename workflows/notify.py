"""The workflow side of the notification entry point: `await notify(NotifyRequest(...))`.

A notice that cannot be delivered is recorded by the activity; it never fails the campaign or
session that sent it."""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.notifications import NotificationActivities
    from contracts.notifications import NotifyRequest, NotifyResult

NOTIFY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), backoff_coefficient=2.0,
                           maximum_interval=timedelta(minutes=5), maximum_attempts=10)


async def notify(request: NotifyRequest) -> NotifyResult | None:
    try:
        return await workflow.execute_activity_method(
            NotificationActivities.publish_notification,
            request,
            start_to_close_timeout=timedelta(minutes=5),
            retry_policy=NOTIFY_RETRY,
        )
    except ActivityError:
        workflow.logger.exception("notice %s could not be published", request.key)
        return None
