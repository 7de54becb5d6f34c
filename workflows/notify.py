"""The workflow side of the notification entry point: `await notify(NotifyRequest(...))`.

notify() publishes the notice (inbox copies land at once, delivery rows are recorded), retrying
until it is stored, then hands the external deliveries to a child workflow per notice that
outlives the caller (ABANDON). A notice that cannot be stored at all alerts the admins. It never
fails the campaign or session that sent it.

The delivery run goes wave by wave (now, end of quiet hours): before each it asks what is left
(withdrawing what a cancelled campaign or ended series no longer wants said), then runs a few
drain activities side by side until nothing is left to claim, waiting out claims another run
holds. A round that loses the database is tried again; after the last round the open rows are
recorded as failed (retried from the console), never left pending."""

import asyncio
import math
from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import ActivityError, WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from activities.notifications import BAD_NOTICE, NotificationActivities
    from contracts import workflow_ids
    from contracts.notifications.notices import NoticeRejected
    from contracts.notifications.delivery import (
        BatchResult, DeliverInput, DeliveryPlan, DeliveryReport, DigestRun, Drain, DrainResult, GiveUp, PublishInput,
        WaveReport, WaveStart, WaveState, drains_queue,
    )
    from contracts.notifications.history import Audience, NotificationKind, NotifyRequest, NotifyResult
    from contracts.search_attributes import CAMPAIGN_ID, RUN_KIND, SERIES_ID
    from workflows import patches, steps
    from workflows.cancels import cancelled_from_outside
    from workflows.legacy.delivery_2026_11_23 import Delivery_2026_11_23
    from workflows.timers import sleep_until

# Storing a notice is retried until the database takes it; only a notice that is itself wrong fails.
PUBLISH_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), backoff_coefficient=2.0,
                            maximum_interval=timedelta(minutes=5), maximum_attempts=0,
                            non_retryable_error_types=[BAD_NOTICE])
# Bookkeeping a delivery run cannot do without (plan, wave state, giving up): until it is done.
UNTIL_DONE = RetryPolicy(initial_interval=timedelta(seconds=1), backoff_coefficient=2.0,
                         maximum_interval=timedelta(minutes=1), maximum_attempts=0)


def delivery_search_attributes(*, campaign_id: int | None, series_id: int | None) -> TypedSearchAttributes:
    """Delivery runs are found like every other run: by kind, and by the campaign or series they serve."""
    pairs = [SearchAttributePair(RUN_KIND, "notification")]
    if campaign_id is not None:
        pairs.append(SearchAttributePair(CAMPAIGN_ID, str(campaign_id)))
    if series_id is not None:
        pairs.append(SearchAttributePair(SERIES_ID, str(series_id)))
    return TypedSearchAttributes(pairs)


def rejection_alert(request: NotifyRequest, reason: str) -> NotifyRequest:
    return NotifyRequest(
        payload=NoticeRejected(notice_key=request.key, notice_kind=request.kind, reason=reason[:500]),
        key=f"rejected:{request.key}"[:200], audience=Audience(name="campaign.admins"), link="/console/runs",
        campaign_id=request.campaign_id, series_id=request.series_id,
    )


async def notify(request: NotifyRequest) -> NotifyResult | None:
    try:
        result = await workflow.execute_activity_method(
            NotificationActivities.publish_notification,
            PublishInput(request=request, at=workflow.now()),
            **steps.options(start_to_close=timedelta(minutes=5), retry=PUBLISH_RETRY),
        )
    except ActivityError as error:
        if cancelled_from_outside(error):
            raise  # the caller's run is being cancelled: it ends (and says so) itself
        workflow.logger.error("notice %s could not be published: %s", request.key, error.cause)
        if request.kind != NotificationKind.notice_rejected and workflow.patched(patches.ALERT_ON_REJECTED.id):
            await notify(rejection_alert(request, str(error.cause or error)))
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
    """External deliveries of one notice: wave by wave (now, end of quiet hours), then, at digest
    time, its recipients' digests."""

    @workflow.run
    async def run(self, job: DeliverInput) -> DeliveryReport:
        if not workflow.patched(patches.LEASED_DELIVERY.id):
            return await Delivery_2026_11_23().run(job)
        plan: DeliveryPlan = await self._until_done(NotificationActivities.plan_deliveries, job)
        reports = []
        for wave in plan.waves:
            await sleep_until(wave.due_at)
            reports.append(await self._wave(plan, wave.due_at))
        if plan.digest_at is not None:
            await sleep_until(plan.digest_at)
            # Withdraws this notice's digest copies if its subject is over; the digests still go
            # out with what other notices hold for the same people.
            state = await self._check(plan)
            digest = await self._rounds(plan, lambda accepted: [(NotificationActivities.drain_digests, DigestRun(
                notification_id=plan.notification_id, at=workflow.now(), accepted=accepted))], digest=True)
            reports.append(WaveReport(due_at=plan.digest_at, delivered_at=workflow.now(), sent=digest.sent,
                                      failed=digest.failed, digest=True, withdrawn=state.withdrawn))
        return DeliveryReport(notification_id=job.notification_id, waves=reports)

    async def _check(self, plan: DeliveryPlan) -> WaveState:
        return await self._until_done(
            NotificationActivities.check_wave, WaveStart(notification_id=plan.notification_id, at=workflow.now()))

    async def _until_done(self, activity, job):
        return await workflow.execute_activity_method(
            activity, job, **steps.options(retry=UNTIL_DONE),
        )

    async def _wave(self, plan: DeliveryPlan, due_at: datetime | None) -> WaveReport:
        report = WaveReport(due_at=due_at, delivered_at=workflow.now(), sent=0, failed=0)
        while True:
            state = await self._check(plan)
            report.withdrawn += state.withdrawn
            if state.claimable:
                drains = min(plan.parallel_batches, math.ceil(state.claimable / plan.batch_size))
                at = workflow.now()
                result = await self._rounds(plan, lambda accepted: [
                    (NotificationActivities.drain_deliveries, Drain(
                        notification_id=plan.notification_id, at=at, accepted=accepted if n == 0 else []))
                    for n in range(drains)
                ])
                report.sent += result.sent
                report.failed += result.failed
            elif state.held_for is not None:  # another run is sending them: see to what it leaves
                await workflow.sleep(timedelta(seconds=state.held_for))
            else:
                break
        report.delivered_at = workflow.now()
        return report

    async def _rounds(self, plan: DeliveryPlan, jobs: Callable[[list[int]], list[tuple]],
                      digest: bool = False) -> BatchResult:
        """Runs the activities `jobs` makes (handing on what the channels accepted and the database
        did not record) until a round ends without a database error; after `plan.attempts`
        rounds, gives up: the accepted sends are recorded, the open rows marked failed."""
        total, accepted, errors = BatchResult(), [], []
        for round_number in range(1, plan.attempts + 1):
            if round_number > 1:
                await workflow.sleep(timedelta(seconds=plan.retry_seconds * 2 ** (round_number - 2)))
            results = await asyncio.gather(*(self._drain(plan, activity, job) for activity, job in jobs(accepted)))
            total.sent += sum(r.sent for r in results)
            total.failed += sum(r.failed for r in results)
            accepted = [delivery_id for r in results for delivery_id in r.unrecorded]
            errors = [r.error for r in results if r.error]
            if not errors:
                return total
        gave_up: BatchResult = await self._until_done(NotificationActivities.give_up_deliveries, GiveUp(
            notification_id=plan.notification_id, at=workflow.now(), reason=errors[0], run_id=workflow.info().run_id,
            accepted=accepted, digest=digest,
        ))
        total.failed += gave_up.failed
        return total

    async def _drain(self, plan: DeliveryPlan, activity, job) -> DrainResult:
        retry = timedelta(seconds=plan.retry_seconds)
        try:
            return await workflow.execute_activity_method(
                activity, job, task_queue=drains_queue(workflow.info().task_queue),
                start_to_close_timeout=timedelta(hours=2), heartbeat_timeout=timedelta(seconds=plan.lease_seconds),
                retry_policy=RetryPolicy(initial_interval=retry, backoff_coefficient=2.0, maximum_interval=retry * 16,
                                         maximum_attempts=plan.attempts),
            )
        except ActivityError as error:  # crashed on every attempt: a round lost, like a database error
            return DrainResult(error=f"投递活动失败 (delivery activity failed): {error.cause or error}"[:500])
