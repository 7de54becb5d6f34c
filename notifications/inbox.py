"""The in-app inbox of one user, and the delivery log staff look at."""

from datetime import datetime, timezone

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.errors import NotFound
from contracts.notifications.api import DeliveryOut
from contracts.notifications.history import ChannelName, DeliveryStatus, NotificationKind
from models import Delivery, InboxItem, Notification
from notifications.leases import free


def inbox_query(*, user_id: int, unread: bool | None) -> Select:
    stmt = select(InboxItem).where(InboxItem.user_id == user_id).order_by(InboxItem.id.desc())
    if unread is not None:
        stmt = stmt.where(InboxItem.read_at.is_(None) if unread else InboxItem.read_at.is_not(None))
    return stmt


async def unread_count(session: AsyncSession, *, user_id: int) -> int:
    return await session.scalar(
        select(func.count()).select_from(InboxItem).where(InboxItem.user_id == user_id, InboxItem.read_at.is_(None))
    ) or 0


async def mark_read(session: AsyncSession, *, user_id: int, item_id: int) -> InboxItem:
    item = await session.get(InboxItem, item_id)
    if item is None or item.user_id != user_id:  # someone else's notice does not exist for you
        raise NotFound("通知 (notification)", item_id)
    item.read_at = item.read_at or datetime.now(timezone.utc)
    await session.flush()
    return item


async def mark_all_read(session: AsyncSession, *, user_id: int) -> int:
    result = await session.execute(
        update(InboxItem).where(InboxItem.user_id == user_id, InboxItem.read_at.is_(None))
        .values(read_at=datetime.now(timezone.utc))
    )
    return result.rowcount or 0


def delivery_log_query(
    *, status: DeliveryStatus | None = None, kind: NotificationKind | None = None, channel: ChannelName | None = None,
    recipient: int | None = None, campaign_id: int | None = None, notification_id: int | None = None,
) -> Select:
    stmt = select(Delivery, Notification).join(Notification, Notification.id == Delivery.notification_id)
    for column, value in [(Delivery.status, status), (Notification.kind, kind), (Delivery.channel, channel),
                          (Delivery.user_id, recipient), (Notification.campaign_id, campaign_id),
                          (Delivery.notification_id, notification_id)]:
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt.order_by(Delivery.id.desc())


async def delivery_log_page(session: AsyncSession, *, stmt: Select, offset: int, limit: int) -> tuple[list, int]:
    total = await session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = await session.execute(stmt.offset(offset).limit(limit))
    items = [
        DeliveryOut(
            id=d.id, notification_id=n.id, key=n.key, kind=n.kind, campaign_id=n.campaign_id, user_id=d.user_id,
            channel=d.channel, robot_id=d.robot_id, status=d.status, attempts=d.attempts, last_error=d.last_error,
            not_before=d.not_before, sent_at=d.sent_at, created_at=d.created_at, updated_at=d.updated_at,
        )
        for d, n in rows
    ]
    return items, total


async def reopen(session: AsyncSession, *, notification_id: int) -> int:
    """What a staff retry sends again: the failed deliveries (back to pending, due now, as single
    messages; their attempts are kept) and the pending ones nobody holds (a delivery run of
    2026-11-23 gave up on them). How many."""
    if await session.get(Notification, notification_id) is None:
        raise NotFound("通知 (notification)", notification_id)
    now = datetime.now(timezone.utc)
    abandoned = await session.scalar(
        select(func.count()).select_from(Delivery)
        .where(Delivery.notification_id == notification_id, Delivery.status == DeliveryStatus.pending, free(now))
    )
    reset = await session.execute(
        update(Delivery)
        .where(Delivery.notification_id == notification_id, Delivery.status == DeliveryStatus.failed)
        .values(status=DeliveryStatus.pending, not_before=None, digest=False, updated_at=now)
    )
    return (reset.rowcount or 0) + (abandoned or 0)
