"""Delivering the external copies of a notice.

The delivery run (workflows/notify.py) plans the waves (by due time), and for each wave asks
`wave_state` (which first withdraws what its campaign or series no longer wants said), then
runs a few `Deliveries.drain` activities side by side. Each claims a batch of rows (a lease),
sends them, records each outcome as the channel answers, and claims again until nothing is left.
Transient channel errors are retried here with backoff; what still fails is recorded as failed
with the reason. A lost database stops the activity, which returns what the channels accepted
meanwhile; after the last round `give_up` records those as sent and the open rows as failed."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from config import Settings
from contracts.notifications.delivery import (
    BatchResult, DeliveryPlan, DeliveryWave, DigestRun, Drain, DrainResult, GiveUp, WaveState,
)
from contracts.notifications.history import OPEN_STATUSES, ChannelName, DeliveryStatus
from db import SessionFactory
from models import Delivery, Notification
from models.base import utcnow
from notifications import leases, preferences, withdrawal
from notifications.channels import ChannelOpener
from notifications.channels.base import Channel, PermanentError, TransientError
from notifications.leases import DATABASE_ERRORS, Leases, kept
from notifications.messages import Composed, Unit, compose, compose_digests
from notifications.outcomes import Outcome, Outcomes
from notifications.recipients import reach_of, robot_directory

log = logging.getLogger(__name__)
CLAIMS_LAPSED = "认领已过期 (claims lapsed: the activity stalled)"


async def plan(session: AsyncSession, *, notification_id: int, settings: Settings) -> DeliveryPlan:
    """The open deliveries of a notice as waves (by due time); how the run drives its activities."""
    rows = (await session.execute(
        select(Delivery.not_before, func.min(Delivery.id), func.max(Delivery.id))
        .where(Delivery.notification_id == notification_id, Delivery.status.in_(OPEN_STATUSES),
               Delivery.digest.is_(False))
        .group_by(Delivery.not_before).order_by(Delivery.not_before.is_not(None), Delivery.not_before)
    ))
    # Delivery runs started before 2026-11-26 deliver a wave by id range (claiming within it, as drains do).
    waves = [DeliveryWave(due_at=due_at, batches=[(first, last)]) for due_at, first, last in rows]
    digest_at = await session.scalar(
        select(func.min(Delivery.not_before))
        .where(Delivery.notification_id == notification_id, Delivery.status.in_(OPEN_STATUSES),
               Delivery.digest.is_(True))
    )
    return DeliveryPlan(
        notification_id=notification_id, waves=waves, digest_at=digest_at,
        parallel_batches=settings.delivery_parallel_batches, batch_size=settings.delivery_batch_size,
        lease_seconds=settings.delivery_lease_seconds, attempts=settings.delivery_rounds,
        retry_seconds=settings.delivery_round_retry_seconds,
    )


async def wave_state(session: AsyncSession, *, notification_id: int, at: datetime) -> WaveState:
    now = utcnow()
    notification = await session.get(Notification, notification_id)
    if notification is None:
        return WaveState(claimable=0)
    withdrawn = await withdrawal.withdraw_if_over(session, notification, now=now)
    claimable = await session.scalar(
        select(func.count()).select_from(Delivery).where(leases.claimable(notification_id, at), leases.free(now))
    )
    lapse = await leases.earliest_lapse(session, leases.held_elsewhere(notification_id, at, now))
    held_for = (lapse - now).total_seconds() + 0.1 if lapse is not None else None
    return WaveState(claimable=claimable, held_for=held_for, withdrawn=withdrawn)


async def give_up(session: AsyncSession, job: GiveUp) -> BatchResult:
    now = utcnow()
    sent = 0
    if job.accepted:
        sent = (await session.execute(
            leases.settled(job.accepted, DeliveryStatus.sent, attempts=1, error="", now=now)
        )).rowcount or 0
    if job.digest:
        due = and_(Delivery.notification_id == job.notification_id, Delivery.digest.is_(True),
                   Delivery.status.in_(OPEN_STATUSES))
    else:
        due = leases.due(job.notification_id, job.at)
    mine_or_free = or_(leases.free(now), Delivery.lease_owner.startswith(f"{job.run_id}:"))
    failed = await session.execute(
        update(Delivery).where(due, mine_or_free)
        .values(status=DeliveryStatus.failed, last_error=job.reason[:1000], lease_owner=None, lease_until=None,
                updated_at=now)
    )
    return BatchResult(sent=sent, failed=failed.rowcount or 0)


class Deliveries:
    def __init__(self, session_factory: SessionFactory, settings: Settings, open_channels: ChannelOpener) -> None:
        self.session_factory = session_factory
        self.settings = settings
        self.open_channels = open_channels

    async def drain(self, job: Drain, *, within: tuple[int, int] | None = None) -> DrainResult:
        """The notice's rows due by `job.at` (only ids `within` a range: the activities of 2026-11-23)."""
        where = leases.claimable(job.notification_id, job.at)
        if within is not None:
            where = and_(where, Delivery.id.between(*within))

        async def claim(lease: Leases) -> list[int]:
            return await lease.claim(where, limit=self.settings.delivery_batch_size,
                                     notification_id=job.notification_id)

        async def messages(ids: list[int], channels: dict[ChannelName, Channel]) -> Composed:
            async with self.session_factory() as session:
                notification = await session.get(Notification, job.notification_id)
                rows = list(await session.scalars(select(Delivery).where(Delivery.id.in_(ids)).order_by(Delivery.id)))
                user_ids = sorted({row.user_id for row in rows})
                reach = await reach_of(session, user_ids=user_ids)
                prefs = await preferences.load(session, user_ids=user_ids, settings=self.settings)
                robots = await robot_directory(session)
            return compose(notification, rows, reach=reach, prefs=prefs, default=preferences.defaults(self.settings),
                           robots=robots, channels=channels, settings=self.settings)

        return await self._deliver(job.accepted, claim, messages)

    async def digests(self, job: DigestRun) -> DrainResult:
        """One e-mail per recipient of this notice bundling her digest copies due by `job.at`,
        whichever notice they belong to (claimed first: two notices waking at the same digest
        time do not both send them)."""
        recipients = select(Delivery.user_id).where(Delivery.notification_id == job.notification_id,
                                                    Delivery.digest.is_(True))
        where = and_(Delivery.user_id.in_(recipients), Delivery.digest.is_(True),
                     or_(Delivery.status == DeliveryStatus.pending,
                         and_(Delivery.status == DeliveryStatus.deferred, Delivery.not_before <= job.at)))
        day = job.at.astimezone(self.settings.tz).date()

        async def claim(lease: Leases) -> list[int]:
            return await lease.claim(where)

        async def messages(ids: list[int], channels: dict[ChannelName, Channel]) -> Composed:
            async with self.session_factory() as session:
                rows = list((await session.execute(
                    select(Delivery, Notification).join(Notification, Notification.id == Delivery.notification_id)
                    .where(Delivery.id.in_(ids)).order_by(Delivery.user_id, Delivery.id)
                )).all())
                user_ids = sorted({delivery.user_id for delivery, _ in rows})
                reach = await reach_of(session, user_ids=user_ids)
                prefs = await preferences.load(session, user_ids=user_ids, settings=self.settings)
            return compose_digests(rows, day=day, reach=reach, prefs=prefs, default=preferences.defaults(self.settings),
                                   email=channels[ChannelName.email], settings=self.settings)

        return await self._deliver(job.accepted, claim, messages)

    async def _deliver(
        self, accepted: list[int], claim: Callable[[Leases], Awaitable[list[int]]],
        messages: Callable[[list[int], dict[ChannelName, Channel]], Awaitable[Composed]],
    ) -> DrainResult:
        """Claim, send, record, until nothing is left to claim or the database is gone."""
        result = DrainResult()
        outcomes = Outcomes(self.session_factory)
        if accepted:
            await outcomes.record(Outcome(accepted, DeliveryStatus.sent))
        lease = Leases(self.session_factory, seconds=self.settings.delivery_lease_seconds)
        try:
            async with kept(lease), self.open_channels(self.settings) as channels:
                while outcomes.error is None and (ids := await claim(lease)):
                    await self._send_all(await messages(ids, channels), lease, outcomes, result)
                    if not lease.fresh():
                        result.error = CLAIMS_LAPSED
                        break
        except DATABASE_ERRORS as exc:
            outcomes.error = outcomes.error or f"数据库不可用 (database unavailable): {exc!r}"[:500]
        result.unrecorded = outcomes.unrecorded
        result.error = outcomes.error or result.error
        if result.error:
            log.warning("delivery stopped after %d sent (%d not recorded): %s", result.sent, len(result.unrecorded),
                        result.error)
        return result

    async def _send_all(self, composed: Composed, lease: Leases, outcomes: Outcomes, result: DrainResult) -> None:
        for delivery_ids, reason in composed.unsendable:
            await outcomes.record(Outcome(delivery_ids, DeliveryStatus.failed, attempts=0, error=reason))
            result.failed += len(delivery_ids)
        in_flight = asyncio.Semaphore(self.settings.delivery_concurrency)

        async def deliver(unit: Unit) -> None:
            async with in_flight:
                # The database gone, or our claims possibly lapsed: leave the rows to the next round.
                if outcomes.error is not None or not lease.fresh():
                    return
                outcome = await self._send(unit)
                # Recorded before the slot frees: at most `delivery_concurrency` sends unrecorded.
                await asyncio.shield(outcomes.record(outcome))
            if outcome.status == DeliveryStatus.sent:
                result.sent += len(unit.delivery_ids)
            else:
                result.failed += len(unit.delivery_ids)

        # Every unit runs to its end, so what was sent is recorded; then an unexpected error
        # fails the activity and Temporal retries it for the rows still open.
        ended = await asyncio.gather(*(deliver(unit) for unit in composed.units), return_exceptions=True)
        crashes = [outcome for outcome in ended if isinstance(outcome, BaseException)]
        if crashes:
            raise crashes[0]

    async def _send(self, unit: Unit) -> Outcome:
        attempts = self.settings.delivery_attempts
        sent_parts, error = 0, ""
        for attempt in range(1, attempts + 1):
            try:
                for message in unit.messages[sent_parts:]:
                    await unit.channel.send(message)
                    sent_parts += 1
            except PermanentError as exc:
                return Outcome(unit.delivery_ids, DeliveryStatus.failed, attempt, str(exc))
            except TransientError as exc:
                error = str(exc)
                if attempt < attempts:
                    await asyncio.sleep(self.settings.delivery_retry_base_seconds * 2 ** (attempt - 1))
                continue
            return Outcome(unit.delivery_ids, DeliveryStatus.sent, attempt)
        log.warning("%s delivery of notice %s failed after %d attempts: %s",
                    unit.channel.name, unit.messages[0].key, attempts, error)
        return Outcome(unit.delivery_ids, DeliveryStatus.failed, attempts, error)
