"""The activities of the delivery run of 2026-11-23 (workflows/legacy/delivery_2026_11_23.py).
They claim rows like today's drains, but rely on Temporal's retries: a lost database raises."""

from temporalio import activity

from contracts.notifications.delivery import BatchResult, DigestRun, Drain, DrainResult
from contracts.notifications.legacy_2026_11_23 import DeliveryBatch_2026_11_23
from notifications.delivery import Deliveries


class DeliveryActivities_2026_11_23:
    def __init__(self, deliveries: Deliveries) -> None:
        self.deliveries = deliveries

    # The names are in the histories of those runs: they never change.
    @activity.defn(name="deliver_batch")
    async def deliver_batch(self, batch: DeliveryBatch_2026_11_23) -> BatchResult:
        """An id range of a notice's deliveries."""
        return _raising(await self.deliveries.drain(
            Drain(notification_id=batch.notification_id, at=batch.at), within=(batch.first_id, batch.last_id)
        ))

    @activity.defn(name="send_digests")
    async def send_digests(self, job: DigestRun) -> BatchResult:
        return _raising(await self.deliveries.digests(job))

    def all(self) -> list:
        return [self.deliver_batch, self.send_digests]


def _raising(result: DrainResult) -> BatchResult:
    if result.error:
        raise RuntimeError(result.error)
    return result
