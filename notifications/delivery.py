"""Delivering the external copies of a notice, batch by batch.

A batch is an id range of delivery rows. Rows already sent are skipped, and each message's rows
are marked sent as soon as the channel accepts it, so a batch that dies half-way and is retried
sends only the rest. Transient errors retry here with exponential backoff; what still fails is
recorded (status failed, attempts, last error) and never raised: a lost e-mail must not fail a
campaign."""

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import groupby

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio import activity

from config import Settings
from contracts.notification_delivery import BatchResult, DeliveryBatch, DeliveryPlan, DeliveryWave, DigestRun
from contracts.notifications import ChannelName, DeliveryStatus, NotificationKind
from db import SessionFactory
from models import Delivery, Notification
from notifications import preferences
from notifications.channels import ChannelOpener
from notifications.channels.base import Channel, Message, PermanentError, TransientError
from notifications.recipients import reach_of, robot_directory
from notifications.render import DEFAULT_LOCALE, render_digest
from notifications.service import Renderer

log = logging.getLogger(__name__)
OPEN = (DeliveryStatus.pending, DeliveryStatus.deferred)


async def plan(session: AsyncSession, *, notification_id: int, settings: Settings) -> DeliveryPlan:
    """The open deliveries of a notice as waves (by due time) of id-range batches."""
    rows = (await session.execute(
        select(Delivery.not_before, Delivery.id)
        .where(Delivery.notification_id == notification_id, Delivery.status.in_(OPEN), Delivery.digest.is_(False))
        .order_by(Delivery.not_before.is_not(None), Delivery.not_before, Delivery.id)
    ))
    size = settings.delivery_batch_size
    waves = []
    for due_at, group in groupby(rows, key=lambda row: row[0]):
        ids = sorted(row[1] for row in group)
        batches = [(chunk[0], chunk[-1]) for chunk in (ids[i : i + size] for i in range(0, len(ids), size))]
        waves.append(DeliveryWave(due_at=due_at, batches=batches))
    digest_at = await session.scalar(
        select(func.min(Delivery.not_before))
        .where(Delivery.notification_id == notification_id, Delivery.status.in_(OPEN), Delivery.digest.is_(True))
    )
    return DeliveryPlan(notification_id=notification_id, waves=waves, digest_at=digest_at,
                        parallel_batches=settings.delivery_parallel_batches)


@dataclass
class _Unit:
    """One message and the delivery rows it settles."""

    channel: Channel
    message: Message
    delivery_ids: list[int]


def _heartbeat() -> None:
    if activity.in_activity():
        activity.heartbeat()


def _retrying() -> bool:
    return activity.in_activity() and activity.info().attempt > 1


class BatchDelivery:
    def __init__(self, session_factory: SessionFactory, settings: Settings, open_channels: ChannelOpener) -> None:
        self.session_factory = session_factory
        self.settings = settings
        self.open_channels = open_channels
        self._write_lock = asyncio.Lock()

    async def run(self, batch: DeliveryBatch) -> BatchResult:
        async with self.session_factory() as session:
            notification = await session.get(Notification, batch.notification_id)
            rows = list(await session.scalars(
                select(Delivery).where(
                    Delivery.notification_id == batch.notification_id,
                    Delivery.id.between(batch.first_id, batch.last_id),
                    Delivery.digest.is_(False),
                    or_(Delivery.status == DeliveryStatus.pending,
                        and_(Delivery.status == DeliveryStatus.deferred, Delivery.not_before <= batch.at)),
                ).order_by(Delivery.id)
            ))
            if notification is None or not rows:
                return BatchResult()
            user_ids = sorted({row.user_id for row in rows})
            reach = await reach_of(session, user_ids=user_ids)
            prefs = await preferences.load(session, user_ids=user_ids, settings=self.settings)
            robots = await robot_directory(session)
        default = preferences.defaults(self.settings)
        rendered = Renderer(notification, self.settings)
        async with self.open_channels(self.settings) as channels:
            units, unreachable = self._units(notification, rows, reach, prefs, default, robots, rendered, channels)
            return await self._send_all(units, unreachable)

    async def run_digest(self, job: DigestRun) -> BatchResult:
        """One e-mail per recipient of this notice bundling every digest copy of hers due by
        `job.at`, whichever notice it belongs to. The rows are claimed first (deferred → pending
        in one UPDATE), so two notices waking at the same digest time do not both send them."""
        async with self.session_factory() as session:
            user_ids = list(await session.scalars(
                select(Delivery.user_id).distinct()
                .where(Delivery.notification_id == job.notification_id, Delivery.digest.is_(True))
            ))
            mine = and_(Delivery.user_id.in_(user_ids), Delivery.digest.is_(True))
            claimed = list(await session.scalars(
                update(Delivery).where(mine, Delivery.status == DeliveryStatus.deferred, Delivery.not_before <= job.at)
                .values(status=DeliveryStatus.pending).returning(Delivery.id)
            ))
            await session.commit()
            # A retry also takes what its crashed attempt had claimed but not sent.
            ours = or_(Delivery.id.in_(claimed), Delivery.status == DeliveryStatus.pending) if _retrying() else (
                Delivery.id.in_(claimed)
            )
            rows = (await session.execute(
                select(Delivery, Notification).join(Notification, Notification.id == Delivery.notification_id)
                .where(mine, ours).order_by(Delivery.user_id, Delivery.id)
            )).all()
            reach = await reach_of(session, user_ids=user_ids)
            prefs = await preferences.load(session, user_ids=user_ids, settings=self.settings)
        default = preferences.defaults(self.settings)
        renderers = {notification.id: Renderer(notification, self.settings) for _, notification in rows}
        day = job.at.astimezone(self.settings.tz).date()
        async with self.open_channels(self.settings) as channels:
            units, unreachable = [], []
            for user_id, group in groupby(rows, key=lambda row: row[0].user_id):
                group = list(group)
                delivery_ids = [delivery.id for delivery, _ in group]
                if user_id not in reach:
                    unreachable.append((delivery_ids, "用户已停用 (user inactive)"))
                    continue
                locale = prefs.get(user_id, default).locale
                digest = render_digest([renderers[n.id](locale) for _, n in group], locale=locale, day=day,
                                       timezone=self.settings.timezone)
                first = group[0][1]
                message = Message(first.id, first.key, NotificationKind(first.kind), digest, (reach[user_id].recipient,),
                                  reference=f"digest-{day:%Y%m%d}")
                units.append(_Unit(channels[ChannelName.email], message, delivery_ids))
            return await self._send_all(units, unreachable)

    async def _send_all(self, units: list["_Unit"], unreachable: list[tuple[list[int], str]]) -> BatchResult:
        result = BatchResult()
        for delivery_ids, reason in unreachable:
            await self._record(delivery_ids, DeliveryStatus.failed, attempts=0, error=reason)
            result.failed += len(delivery_ids)
        limit = asyncio.Semaphore(self.settings.delivery_concurrency)

        async def deliver(unit: _Unit) -> None:
            async with limit:
                sent = await self._send(unit)
            if sent:
                result.sent += len(unit.delivery_ids)
            else:
                result.failed += len(unit.delivery_ids)
            _heartbeat()

        # Every unit runs to its end, so what was sent is recorded; then an unexpected error
        # fails the activity and Temporal retries it for the rows still open.
        outcomes = await asyncio.gather(*(deliver(unit) for unit in units), return_exceptions=True)
        crashes = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
        if crashes:
            raise crashes[0]
        return result

    def _units(self, notification, rows, reach, prefs, default, robots, rendered, channels):
        units: list[_Unit] = []
        unreachable: list[tuple[list[int], str]] = []
        robot_groups: dict[tuple[ChannelName, int], list[Delivery]] = defaultdict(list)
        for row in rows:
            if row.user_id not in reach:
                unreachable.append(([row.id], "用户已停用 (user inactive)"))
            elif row.channel == ChannelName.email:
                locale = prefs.get(row.user_id, default).locale
                message = Message(notification.id, notification.key, NotificationKind(notification.kind),
                                  rendered(locale), (reach[row.user_id].recipient,))
                units.append(_Unit(channels[ChannelName.email], message, [row.id]))
            elif row.robot_id is None or row.robot_id not in robots.by_id:
                unreachable.append(([row.id], "机器人已删除或停用 (robot removed or disabled)"))
            else:
                robot_groups[(row.channel, row.robot_id)].append(row)
        # A robot speaks to a group: one message per batch in the default locale, @-mentioning everyone.
        for (channel_name, robot_id), group in robot_groups.items():
            channel = channels[channel_name]
            by_user = {row.user_id: row.id for row in group}
            message = Message(notification.id, notification.key, NotificationKind(notification.kind),
                              rendered(DEFAULT_LOCALE), tuple(reach[row.user_id].recipient for row in group),
                              robot=robots.by_id[robot_id])
            for part in channel.split(message):
                units.append(_Unit(channel, part, [by_user[r.user_id] for r in part.recipients]))
        return units, unreachable

    async def _send(self, unit: _Unit) -> bool:
        attempts = self.settings.delivery_attempts
        error = ""
        for attempt in range(1, attempts + 1):
            try:
                await unit.channel.send(unit.message)
            except PermanentError as exc:
                await self._record(unit.delivery_ids, DeliveryStatus.failed, attempts=attempt, error=str(exc))
                return False
            except TransientError as exc:
                error = str(exc)
                if attempt < attempts:
                    await asyncio.sleep(self.settings.delivery_retry_base_seconds * 2 ** (attempt - 1))
                continue
            await self._record(unit.delivery_ids, DeliveryStatus.sent, attempts=attempt)
            return True
        log.warning("%s delivery of notice %s failed after %d attempts: %s",
                    unit.channel.name, unit.message.key, attempts, error)
        await self._record(unit.delivery_ids, DeliveryStatus.failed, attempts=attempts, error=error)
        return False

    async def _record(self, delivery_ids: list[int], status: DeliveryStatus, *, attempts: int, error: str = "") -> None:
        now = datetime.now(timezone.utc)
        values = {"status": status, "attempts": Delivery.attempts + attempts, "updated_at": now,
                  "last_error": error or None}
        if status == DeliveryStatus.sent:
            values["sent_at"] = now
        # One writer at a time: SQLite has one anyway, and each message's rows commit on their own.
        async with self._write_lock, self.session_factory() as session:
            await session.execute(update(Delivery).where(Delivery.id.in_(delivery_ids)).values(**values))
            await session.commit()
