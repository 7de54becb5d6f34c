"""Publishing a notice: store it once under its key, resolve recipients, write the inbox copies
and one delivery row per (recipient, external channel) — pending, or deferred to the end of the
recipient's quiet hours or to her daily digest. Robot rows are grouped here into the messages
they will go out in (each @-mentions a group), so a resend is always the same message.

Idempotent by construction: the notice is unique by key, each inbox copy by (notice, user) and
each delivery by (notice, user, channel), so a retried or replayed activity adds only what is
missing."""

from collections import defaultdict
from datetime import datetime, timezone

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from config import Settings, get_settings
from contracts.notifications.history import (
    CRITICAL_KINDS, ROBOT_CHANNELS, URGENT_KINDS, ChannelName, DeliveryStatus, NotificationKind, NotifyRequest,
    NotifyResult,
)
from models import Delivery, InboxItem, Notification
from notifications import audiences, preferences
from notifications.preferences import Prefs
from notifications.recipients import Reach, RobotDirectory, reach_of, robot_directory
from notifications.render import Rendered, render_stored
from notifications.timing import next_daily, quiet_until

INSERT_CHUNK = 1000  # rows per INSERT: well under SQLite's and PostgreSQL's parameter limits


async def recipients_of(session: AsyncSession, request: NotifyRequest, known: audiences.Audiences) -> list[int]:
    user_ids = set(request.user_ids)
    if request.audience is not None:
        try:
            user_ids.update(await audiences.resolve(session, request.audience, known))
        except (LookupError, TypeError) as exc:  # an unknown audience, or parameters it does not take
            raise BadNotice(f"收件人无法确定 (recipients): {exc}") from exc
    return sorted(user_ids)


async def _notification_for(session: AsyncSession, request: NotifyRequest) -> Notification:
    by_key = select(Notification).where(Notification.key == request.key)
    notification = await session.scalar(by_key)
    if notification is None:
        notification = Notification(
            key=request.key, kind=request.kind, data=request.payload.model_dump(mode="json"), link=request.link,
            campaign_id=request.campaign_id, series_id=request.series_id,
        )
        try:
            async with session.begin_nested():
                session.add(notification)
        except IntegrityError:  # published at the same moment by another activity: use its row
            notification = await session.scalar(by_key)
    return notification


class BadNotice(Exception):
    """The notice itself is wrong (an unknown audience, a payload its template cannot word):
    trying again changes nothing."""


def absolute_link(settings: Settings, link: str) -> str:
    return settings.public_base_url.rstrip("/") + link if link.startswith("/") else link


class Renderer:
    """Renders a notice once per locale."""

    def __init__(self, notification: Notification, settings: Settings) -> None:
        self._notification = notification
        self._settings = settings
        self._cache: dict[str, Rendered] = {}

    def __call__(self, locale: str) -> Rendered:
        if locale not in self._cache:
            n = self._notification
            try:
                self._cache[locale] = render_stored(n.kind, n.data, locale, timezone=self._settings.timezone,
                                                    link=absolute_link(self._settings, n.link))
            except Exception as exc:  # a template or payload error: the same on every attempt
                raise BadNotice(f"通知内容无法生成 (rendering failed): {exc!r}"[:500]) from exc
        return self._cache[locale]


def _channels_for(reach: Reach, robots: RobotDirectory) -> list[tuple[ChannelName, int | None]]:
    channels: list[tuple[ChannelName, int | None]] = []
    if reach.recipient.email:
        channels.append((ChannelName.email, None))
    for platform in sorted(ROBOT_CHANNELS):
        if (robot_id := robots.robot_for(reach, platform)) is not None:
            channels.append((platform, robot_id))
    return channels


def _timing(kind: NotificationKind, channel: ChannelName, prefs: Prefs, *, at: datetime,
            settings: Settings) -> tuple[DeliveryStatus, datetime | None, bool]:
    """(status, not_before, digest) of a new delivery."""
    if kind in CRITICAL_KINDS:
        return DeliveryStatus.pending, None, False
    if prefs.digest and channel == ChannelName.email and kind not in URGENT_KINDS:
        return DeliveryStatus.deferred, next_daily(at, tz=settings.tz, hhmm=settings.digest_time), True
    if prefs.quiet_hours:
        until = quiet_until(at, tz=settings.tz, start=prefs.quiet_start, end=prefs.quiet_end)
        if until is not None:
            return DeliveryStatus.deferred, until, False
    return DeliveryStatus.pending, None, False


async def _group_robot_rows(session: AsyncSession, notification_id: int, rows: list[dict], *, size: int) -> None:
    """Robot rows that go out as one message get one group number: per robot and due time, `size`
    recipients at a time. Numbers continue those of rows published earlier for the notice."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        row["group_id"] = None
        if row["channel"] in ROBOT_CHANNELS:
            groups[(row["channel"], row["robot_id"], row["not_before"])].append(row)
    number = await session.scalar(
        select(func.coalesce(func.max(Delivery.group_id), 0)).where(Delivery.notification_id == notification_id)
    )
    for members in groups.values():
        for start in range(0, len(members), size):
            number += 1
            for row in members[start : start + size]:
                row["group_id"] = number


async def _insert(session: AsyncSession, model: type, rows: list[dict]) -> None:
    for start in range(0, len(rows), INSERT_CHUNK):
        await session.execute(insert(model), rows[start : start + INSERT_CHUNK])


async def publish(
    session: AsyncSession, *, request: NotifyRequest, at: datetime | None = None, settings: Settings | None = None,
    known_audiences: audiences.Audiences | None = None,
) -> NotifyResult:
    settings = settings or get_settings()
    at = at or datetime.now(timezone.utc)
    notification = await _notification_for(session, request)
    user_ids = await recipients_of(session, request, known_audiences or {})
    notification.recipient_count = len(user_ids)
    kind = NotificationKind(notification.kind)
    prefs = await preferences.load(session, user_ids=user_ids, settings=settings)
    default = preferences.defaults(settings)
    rendered = Renderer(notification, settings)

    have_inbox = set(
        await session.scalars(select(InboxItem.user_id).where(InboxItem.notification_id == notification.id))
    )
    inbox_rows = []
    for user_id in user_ids:
        if user_id not in have_inbox:
            message = rendered(prefs.get(user_id, default).locale)
            inbox_rows.append({"notification_id": notification.id, "user_id": user_id, "kind": kind,
                               "title": message.title, "body": message.body, "link": notification.link})
    await _insert(session, InboxItem, inbox_rows)

    have_delivery = {
        (user_id, channel) for user_id, channel in await session.execute(
            select(Delivery.user_id, Delivery.channel).where(Delivery.notification_id == notification.id)
        )
    }
    reach = await reach_of(session, user_ids=user_ids) if settings.external_channels else {}
    robots = await robot_directory(session)
    delivery_rows = []
    for user_id in user_ids:
        if user_id not in reach:
            continue
        user_prefs = prefs.get(user_id, default)
        for channel, robot_id in _channels_for(reach[user_id], robots):
            if (user_id, channel) in have_delivery or not user_prefs.wants(kind, channel):
                continue
            status, not_before, digest = _timing(kind, channel, user_prefs, at=at, settings=settings)
            delivery_rows.append({
                "notification_id": notification.id, "user_id": user_id, "channel": channel, "robot_id": robot_id,
                "status": status, "not_before": not_before, "digest": digest,
            })
    await _group_robot_rows(session, notification.id, delivery_rows, size=settings.robot_max_mentions)
    await _insert(session, Delivery, delivery_rows)
    await session.flush()

    counts = {status: count for status, count in await session.execute(
        select(Delivery.status, func.count()).where(Delivery.notification_id == notification.id).group_by(Delivery.status)
    )}
    return NotifyResult(
        notification_id=notification.id, recipients=len(user_ids), inbox_created=len(inbox_rows),
        deliveries=sum(counts.values()), deferred=counts.get(DeliveryStatus.deferred, 0),
    )
