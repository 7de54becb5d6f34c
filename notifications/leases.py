"""Claims on delivery rows (leases). A delivery attempt claims rows before it sends them and ends
each claim in the statement that records what happened, so two attempts (a retried activity
and its zombie, a staff retry and the run it repeats) never send the same row.

A claim is one UPDATE whose WHERE picks the rows: a subquery with LIMIT, `FOR UPDATE SKIP
LOCKED` on PostgreSQL (concurrent claimers skip each other's rows instead of taking the same
ones); SQLite has a single writer, and the clause is not rendered there. Robot rows that go out
as one message (a group) are claimed through the first of them still open, and the rest follow
in the same transaction: a message is never split between two attempts."""

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import datetime, timedelta

import sqlalchemy.exc
from sqlalchemy import ColumnElement, and_, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from temporalio import activity

from contracts.notifications.history import OPEN_STATUSES, DeliveryStatus
from db import SessionFactory
from models import Delivery
from models.base import utcnow

log = logging.getLogger(__name__)

# The database is gone (refused, dropped, timed out), as opposed to a bug.
DATABASE_ERRORS = (sqlalchemy.exc.DBAPIError, sqlalchemy.exc.TimeoutError, OSError, TimeoutError)


def due(notification_id: int, at: datetime, *, digest: bool = False) -> ColumnElement[bool]:
    """The notice's rows that may go out at `at` (workflow time): pending, or deferred until then."""
    return and_(
        Delivery.notification_id == notification_id, Delivery.digest.is_(digest),
        or_(Delivery.status == DeliveryStatus.pending,
            and_(Delivery.status == DeliveryStatus.deferred, Delivery.not_before <= at)),
    )


def free(now: datetime) -> ColumnElement[bool]:
    """Nobody holds the row: never claimed, released, or the claim lapsed."""
    return or_(Delivery.lease_until.is_(None), Delivery.lease_until < now)


def _leads_its_group() -> ColumnElement[bool]:
    """A row without a group, or the first row of its group still open."""
    earlier = aliased(Delivery)
    return or_(Delivery.group_id.is_(None), ~exists().where(
        earlier.notification_id == Delivery.notification_id, earlier.group_id == Delivery.group_id,
        earlier.id < Delivery.id, earlier.status.in_(OPEN_STATUSES),
    ))


def claimable(notification_id: int, at: datetime) -> ColumnElement[bool]:
    """What a delivery attempt claims (when free): due rows, each robot group through its first open row."""
    return and_(due(notification_id, at), _leads_its_group())


def held_elsewhere(notification_id: int, at: datetime, now: datetime) -> ColumnElement[bool]:
    return and_(due(notification_id, at), Delivery.lease_until >= now)


def settled(delivery_ids: list[int], status: DeliveryStatus, *, attempts: int, error: str, now: datetime):
    """The statement that records an outcome and ends the claim on the rows. A send is recorded
    whatever happened meanwhile (it did go out); a failure never overwrites another attempt's send."""
    values = {"status": status, "attempts": Delivery.attempts + attempts, "last_error": error or None,
              "lease_owner": None, "lease_until": None, "updated_at": now}
    # Written from sessions holding no rows: nothing to synchronise (the ORM's evaluation costs
    # more than the statement on the hot path).
    statement = update(Delivery).where(Delivery.id.in_(delivery_ids)).execution_options(synchronize_session=False)
    if status == DeliveryStatus.sent:
        values["sent_at"] = now
    else:
        statement = statement.where(Delivery.status.in_(OPEN_STATUSES))
    return statement.values(**values)


def attempt_owner() -> str:
    """Names the activity attempt holding a claim: its run (so the run can take back its own
    claims when it gives up), activity and attempt."""
    if activity.in_activity():
        info = activity.info()
        return f"{info.workflow_run_id}:{info.activity_id}:{info.attempt}"
    return f"local:{uuid.uuid4().hex}"


class Leases:
    """The claims of one delivery attempt."""

    def __init__(self, session_factory: SessionFactory, *, seconds: float, owner: str | None = None) -> None:
        self.session_factory = session_factory
        self.seconds = seconds
        self.owner = owner or attempt_owner()
        self._expires: datetime | None = None  # when the oldest claim held lapses, as last renewed

    def _until(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.seconds)

    async def claim(self, where: ColumnElement[bool], *, limit: int | None = None,
                    notification_id: int | None = None) -> list[int]:
        """Claim the rows matching `where` (at most `limit`, in id order) and the rest of their
        groups; pending from now on. Returns the ids claimed."""
        now = utcnow()
        until = self._until(now)
        claim = {"lease_owner": self.owner, "lease_until": until, "status": DeliveryStatus.pending, "updated_at": now}
        chosen = select(Delivery.id).where(where, free(now)).order_by(Delivery.id).limit(limit)
        async with self.session_factory() as session:
            leaders = (await session.execute(
                update(Delivery).where(Delivery.id.in_(chosen.with_for_update(skip_locked=True)), free(now))
                .values(**claim).returning(Delivery.id, Delivery.group_id)
            )).all()
            ids = [row_id for row_id, _ in leaders]
            groups = {group for _, group in leaders if group is not None}
            if groups:
                ids += await session.scalars(
                    update(Delivery).where(Delivery.notification_id == notification_id,
                                           Delivery.group_id.in_(groups), Delivery.status.in_(OPEN_STATUSES),
                                           Delivery.id.not_in(ids))
                    .values(**claim).returning(Delivery.id)
                )
            await session.commit()
        if ids and self._expires is None:
            self._expires = until
        return sorted(ids)

    async def renew(self) -> None:
        now = utcnow()
        async with self.session_factory() as session:
            await session.execute(
                update(Delivery).where(Delivery.lease_owner == self.owner, Delivery.status == DeliveryStatus.pending)
                .values(lease_until=self._until(now))
            )
            await session.commit()
        self._expires = self._until(now)

    async def release(self) -> None:
        """Give back what this attempt claimed and did not settle: the next attempt may take it at once."""
        async with self.session_factory() as session:
            await session.execute(
                update(Delivery).where(Delivery.lease_owner == self.owner, Delivery.status == DeliveryStatus.pending)
                .values(lease_owner=None, lease_until=None)
            )
            await session.commit()

    def fresh(self) -> bool:
        """Our claims certainly still hold (renewals keep them three quarters ahead): after a stall
        or while the database is gone, stop sending rather than race whoever takes them over."""
        return self._expires is None or utcnow() < self._expires - timedelta(seconds=self.seconds / 2)


@asynccontextmanager
async def kept(leases: Leases) -> AsyncIterator[Leases]:
    """Renew the claims (four times per lease) for as long as the body runs, however long a single
    send waits (robots' rate limits); then release what was not settled. A renewal waiting its turn
    for SQLite's write lock delays nothing else: the activity's heartbeat is the stall watch's
    (activities/stall_watch.py) and never waits for the database, and whether the sends may go on
    is `Leases.fresh`."""

    async def renewals() -> None:
        while True:
            await asyncio.sleep(leases.seconds / 4)
            try:
                await leases.renew()
            except DATABASE_ERRORS as exc:  # the sends stop too (Leases.fresh); the round reports it
                log.warning("renewing the claims of %s failed: %r", leases.owner, exc)

    timer = asyncio.create_task(renewals())
    try:
        yield leases
    finally:
        timer.cancel()
        with suppress(asyncio.CancelledError):
            await timer
        with suppress(*DATABASE_ERRORS):
            await asyncio.shield(leases.release())


async def earliest_lapse(session: AsyncSession, where: ColumnElement[bool]) -> datetime | None:
    return await session.scalar(select(func.min(Delivery.lease_until)).where(where))
