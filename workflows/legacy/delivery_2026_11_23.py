"""The delivery run of 2026-11-23, command for command: delivery runs it started (without the
LEASED_DELIVERY marker) replay it until they end. It sends each wave by id ranges, one activity
per range, and leaves to Temporal's retries what a lost database interrupts."""

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.legacy.delivery_2026_11_23 import DeliveryActivities_2026_11_23
    from activities.notifications import NotificationActivities
    from contracts.notifications.delivery import (
        BatchResult, DeliverInput, DeliveryPlan, DeliveryReport, DeliveryWave, DigestRun, WaveReport,
    )
    from contracts.notifications.legacy_2026_11_23 import DeliveryBatch_2026_11_23
    from workflows.timers import sleep_until

# That release's retry policies, kept as they were.
PLAN_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), backoff_coefficient=2.0,
                         maximum_interval=timedelta(minutes=5), maximum_attempts=10)
DELIVERY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=5), backoff_coefficient=2.0,
                             maximum_interval=timedelta(minutes=5), maximum_attempts=5)


class Delivery_2026_11_23:
    async def run(self, job: DeliverInput) -> DeliveryReport:
        plan: DeliveryPlan = await workflow.execute_activity_method(
            NotificationActivities.plan_deliveries, job,
            start_to_close_timeout=timedelta(minutes=2), retry_policy=PLAN_RETRY,
        )
        reports = []
        for wave in plan.waves:
            await sleep_until(wave.due_at)
            results = await self._deliver(plan, wave)
            reports.append(WaveReport(due_at=wave.due_at, delivered_at=workflow.now(),
                                      sent=sum(r.sent for r in results), failed=sum(r.failed for r in results)))
        if plan.digest_at is not None:
            await sleep_until(plan.digest_at)
            result = await self._activity(DeliveryActivities_2026_11_23.send_digests,
                                          DigestRun(notification_id=job.notification_id, at=workflow.now()))
            reports.append(WaveReport(due_at=plan.digest_at, delivered_at=workflow.now(), sent=result.sent,
                                      failed=result.failed, digest=True))
        return DeliveryReport(notification_id=job.notification_id, waves=reports)

    async def _activity(self, activity, job) -> BatchResult:
        try:
            return await workflow.execute_activity_method(
                activity, job, start_to_close_timeout=timedelta(minutes=15), heartbeat_timeout=timedelta(minutes=2),
                retry_policy=DELIVERY_RETRY,
            )
        except ActivityError:
            # Its rows stay pending; their claims lapse, and a staff retry picks them up.
            workflow.logger.exception("%s of notice %s gave up", activity.__name__, job.notification_id)
            return BatchResult()

    async def _deliver(self, plan: DeliveryPlan, wave: DeliveryWave) -> list[BatchResult]:
        in_flight = asyncio.Semaphore(plan.parallel_batches)

        async def one(first_id: int, last_id: int) -> BatchResult:
            async with in_flight:
                return await self._activity(DeliveryActivities_2026_11_23.deliver_batch, DeliveryBatch_2026_11_23(
                    notification_id=plan.notification_id, first_id=first_id, last_id=last_id, at=workflow.now()
                ))

        return list(await asyncio.gather(*(one(first, last) for first, last in wave.batches)))
