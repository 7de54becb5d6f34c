from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.legacy.delivery_2026_11_23 import DeliveryActivities_2026_11_23
from config import Settings, get_settings
from contracts.notifications.delivery import (
    BatchResult, DeliverInput, DeliveryPlan, DigestRun, Drain, DrainResult, GiveUp, PublishInput, WaveStart, WaveState,
)
from contracts.notifications.history import NotifyResult
from db import SessionFactory
from notifications import delivery, service
from notifications.audiences import Audiences
from notifications.channels import ChannelOpener, open_channels

# The type of the failure a notice that cannot be stored raises: not retried (workflows/notify.py).
BAD_NOTICE = "BadNotice"


class NotificationActivities:
    def __init__(self, session_factory: SessionFactory, settings: Settings | None = None,
                 channels: ChannelOpener = open_channels, audiences: Audiences | None = None) -> None:
        self.session_factory = session_factory
        self.settings = settings or get_settings()
        self.audiences = audiences or {}
        self.deliveries = delivery.Deliveries(session_factory, self.settings, channels)
        # Delivery runs started before 2026-11-26 still call these.
        self.deliveries_2026_11_23 = DeliveryActivities_2026_11_23(self.deliveries)

    @activity.defn
    async def publish_notification(self, job: PublishInput) -> NotifyResult:
        """Inbox copies and delivery rows of every recipient, in one transaction."""
        try:
            async with self.session_factory() as session:
                result = await service.publish(session, request=job.request, at=job.at, settings=self.settings,
                                               known_audiences=self.audiences)
                await session.commit()
        except service.BadNotice as exc:
            raise ApplicationError(str(exc), type=BAD_NOTICE, non_retryable=True) from exc
        activity.logger.info("notice %s published: %s", job.request.key, result.model_dump())
        return result

    @activity.defn
    async def plan_deliveries(self, job: DeliverInput) -> DeliveryPlan:
        async with self.session_factory() as session:
            return await delivery.plan(session, notification_id=job.notification_id, settings=self.settings)

    @activity.defn
    async def check_wave(self, job: WaveStart) -> WaveState:
        """Withdraws what is no longer wanted, then says what is left to deliver."""
        async with self.session_factory() as session:
            state = await delivery.wave_state(session, notification_id=job.notification_id, at=job.at)
            await session.commit()
        return state

    @activity.defn
    async def drain_deliveries(self, job: Drain) -> DrainResult:
        return await self.deliveries.drain(job)

    @activity.defn
    async def drain_digests(self, job: DigestRun) -> DrainResult:
        return await self.deliveries.digests(job)

    @activity.defn
    async def give_up_deliveries(self, job: GiveUp) -> BatchResult:
        async with self.session_factory() as session:
            result = await delivery.give_up(session, job)
            await session.commit()
        activity.logger.warning("notice %s: gave up on %d deliveries: %s", job.notification_id, result.failed,
                                job.reason)
        return result

    def all(self) -> list:
        return [self.publish_notification, self.plan_deliveries, self.check_wave, self.drain_deliveries,
                self.drain_digests, self.give_up_deliveries, *self.deliveries_2026_11_23.all()]
