from temporalio import activity

from config import Settings, get_settings
from contracts.notification_delivery import (
    BatchResult, DeliverInput, DeliveryBatch, DeliveryPlan, DigestRun, PublishInput,
)
from contracts.notifications import NotifyResult
from db import SessionFactory
from notifications import delivery, service
from notifications.audiences import Audiences
from notifications.channels import ChannelOpener, open_channels


class NotificationActivities:
    def __init__(self, session_factory: SessionFactory, settings: Settings | None = None,
                 channels: ChannelOpener = open_channels, audiences: Audiences | None = None) -> None:
        self.session_factory = session_factory
        self.settings = settings or get_settings()
        self.audiences = audiences or {}
        self.batches = delivery.BatchDelivery(session_factory, self.settings, channels)

    @activity.defn
    async def publish_notification(self, job: PublishInput) -> NotifyResult:
        """Inbox copies and delivery rows of every recipient, in one transaction."""
        async with self.session_factory() as session:
            result = await service.publish(session, request=job.request, at=job.at, settings=self.settings,
                                           known_audiences=self.audiences)
            await session.commit()
        activity.logger.info("notice %s published: %s", job.request.key, result.model_dump())
        return result

    @activity.defn
    async def plan_deliveries(self, job: DeliverInput) -> DeliveryPlan:
        async with self.session_factory() as session:
            return await delivery.plan(session, notification_id=job.notification_id, settings=self.settings)

    @activity.defn
    async def deliver_batch(self, batch: DeliveryBatch) -> BatchResult:
        return await self.batches.run(batch)

    @activity.defn
    async def send_digests(self, job: DigestRun) -> BatchResult:
        return await self.batches.run_digest(job)

    def all(self) -> list:
        return [self.publish_notification, self.plan_deliveries, self.deliver_batch, self.send_digests]
