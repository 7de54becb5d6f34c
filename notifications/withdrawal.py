"""A notice outlived by what it is about: once its campaign is cancelled or its series ended, its
copies not yet sent are withdrawn (a reminder held by quiet hours must not arrive after the
cancellation). The cancellation notices themselves always go out."""

from datetime import datetime

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.campaigns.history import Phase
from contracts.notifications.history import CANCELLATION_KINDS, OPEN_STATUSES, DeliveryStatus
from contracts.series.history import SeriesStatus
from models import Campaign, Delivery, Notification, Series
from notifications.leases import free

CAMPAIGN_CANCELLED = "活动已取消，通知撤回 (campaign cancelled: withdrawn)"
SERIES_ENDED = "联片教研已结束，通知撤回 (series ended: withdrawn)"


async def reason_to_withdraw(session: AsyncSession, notification: Notification) -> str | None:
    if notification.kind in CANCELLATION_KINDS:
        return None
    if notification.campaign_id is not None:
        phase = await session.scalar(select(Campaign.phase).where(Campaign.id == notification.campaign_id))
        if phase == Phase.cancelled:
            return CAMPAIGN_CANCELLED
    if notification.series_id is not None:
        status = await session.scalar(select(Series.status).where(Series.id == notification.series_id))
        if status == SeriesStatus.ended:
            return SERIES_ENDED
    return None


async def withdraw_if_over(session: AsyncSession, notification: Notification, *, now: datetime) -> int:
    """Withdraw the notice's open copies nobody is sending right now; how many."""
    reason = await reason_to_withdraw(session, notification)
    if reason is None:
        return 0
    result = await session.execute(
        update(Delivery)
        .where(and_(Delivery.notification_id == notification.id, Delivery.status.in_(OPEN_STATUSES), free(now)))
        .values(status=DeliveryStatus.withdrawn, last_error=reason, lease_owner=None, lease_until=None, updated_at=now)
    )
    return result.rowcount or 0
