"""The workflow side of the notification entry point: `await notify(NotifyRequest(...))`.

notify() publishes the notice (inbox copies land at once, delivery rows are recorded), then hands
the external deliveries to a child workflow per notice that outlives the caller (ABANDON): it
delivers what is due now, sleeps until quiet hours end, then delivers the rest. A notice that
cannot be delivered is recorded by the activities; it never fails the campaign or session that
sent it."""

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import ActivityError, WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from activities.notifications import NotificationActivities
    from contracts.notification_delivery import (
        BatchResult, DeliverInput, DeliveryBatch, DeliveryPlan, DeliveryReport, DeliveryWave, DigestRun, PublishInput,
        WaveReport,
    )
    from contracts import workflow_ids
    from contracts.notifications import NotifyRequest, NotifyResult
    from contracts.search_attributes import CAMPAIGN_ID, RUN_KIND, SERIES_ID

NOTIFY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), backoff_coefficient=2.0,
                           maximum_interval=timedelta(minutes=5), maximum_attempts=10)
# A batch activity that crashes (worker lost, bug) is retried; rows already sent are skipped.
DELIVERY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=5), backoff_coefficient=2.0,
                             maximum_interval=timedelta(minutes=5), maximum_attempts=5)


def delivery_search_attributes(*, campaign_id: int | None, series_id: int | None) -> TypedSearchAttributes:
    """Delivery runs are found like every other run: by kind, and by the campaign or series they serve."""
    pairs = [SearchAttributePair(RUN_KIND, "notification")]
    if campaign_id is not None:
        pairs.append(SearchAttributePair(CAMPAIGN_ID, str(campaign_id)))
    if series_id is not None:
        pairs.append(SearchAttributePair(SERIES_ID, str(series_id)))
    return TypedSearchAttributes(pairs)


async def notify(request: NotifyRequest) -> NotifyResult | None:
    try:
        result = await workflow.execute_activity_method(
            NotificationActivities.publish_notification,
            PublishInput(request=request, at=workflow.now()),
            start_to_close_timeout=timedelta(minutes=5),
            retry_policy=NOTIFY_RETRY,
        )
    except ActivityError:
        workflow.logger.exception("notice %s could not be published", request.key)
        return None
    if result.deliveries:
        try:
            await workflow.start_child_workflow(
                DeliverNotificationWorkflow.run, DeliverInput(notification_id=result.notification_id),
                id=workflow_ids.notice_delivery(request.key), parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                search_attributes=delivery_search_attributes(campaign_id=request.campaign_id,
                                                             series_id=request.series_id),
            )
        except WorkflowAlreadyStartedError:
            pass  # the same notice again (a replayed step): its deliveries are already under way
    return result


@workflow.defn
class DeliverNotificationWorkflow:
    """External deliveries of one notice: wave by wave (now, end of quiet hours), each wave a
    few batch activities with bounded parallelism; last, at digest time, its recipients' digests."""

    @workflow.run
    async def run(self, job: DeliverInput) -> DeliveryReport:
        plan: DeliveryPlan = await workflow.execute_activity_method(
            NotificationActivities.plan_deliveries, job,
            start_to_close_timeout=timedelta(minutes=2), retry_policy=NOTIFY_RETRY,
        )
        reports = []
        for wave in plan.waves:
            await self._until(wave.due_at)
            results = await self._deliver(plan, wave)
            reports.append(WaveReport(due_at=wave.due_at, delivered_at=workflow.now(),
                                      sent=sum(r.sent for r in results), failed=sum(r.failed for r in results)))
        if plan.digest_at is not None:
            await self._until(plan.digest_at)
            result = await self._activity(NotificationActivities.send_digests,
                                          DigestRun(notification_id=job.notification_id, at=workflow.now()))
            reports.append(WaveReport(due_at=plan.digest_at, delivered_at=workflow.now(), sent=result.sent,
                                      failed=result.failed, digest=True))
        return DeliveryReport(notification_id=job.notification_id, waves=reports)

    async def _until(self, due_at: datetime | None) -> None:
        if due_at is not None and due_at > workflow.now():
            await workflow.sleep(due_at - workflow.now())

    async def _activity(self, activity, job) -> BatchResult:
        try:
            return await workflow.execute_activity_method(
                activity, job, start_to_close_timeout=timedelta(minutes=15), heartbeat_timeout=timedelta(minutes=2),
                retry_policy=DELIVERY_RETRY,
            )
        except ActivityError:
            workflow.logger.exception("%s of notice %s gave up", activity.__name__, job.notification_id)
            return BatchResult()

    async def _deliver(self, plan: DeliveryPlan, wave: DeliveryWave) -> list[BatchResult]:
        in_flight = asyncio.Semaphore(plan.parallel_batches)

        async def one(first_id: int, last_id: int) -> BatchResult:
            async with in_flight:
                return await self._activity(NotificationActivities.deliver_batch, DeliveryBatch(
                    notification_id=plan.notification_id, first_id=first_id, last_id=last_id, at=workflow.now()
                ))

        return list(await asyncio.gather(*(one(first, last) for first, last in wave.batches)))
