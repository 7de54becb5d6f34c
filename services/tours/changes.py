"""Changes to a tour while it runs: a stop rescheduled or called off (stored first, then handed to the
tour's run, decision 0001), and the tour ended early by staff (an Update; its activity writes here).
The occurrence rules are the series' too (services/schedule/)."""

from collections.abc import Collection
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.errors import Conflict
from contracts.notifications.history import NotifyRequest
from contracts.notifications.notices import TourStopChanged
from contracts.schedule import OccurrenceStatus, RescheduleIn
from contracts.tours.history import TourChange, TourEnd, TourStatus
from models import Tour, TourStop, User
from models import TourChange as TourChangeRow
from services.schedule import occurrences
from services.schedule.changes import StoredChange, not_seen
from services.tours import notices
from services.tours.service import log_change


class Change(StoredChange):
    @property
    def tour(self) -> Tour:
        return self.record

    def for_workflow(self) -> TourChange:
        return TourChange.model_validate(self.for_run())


async def changes_not_seen(session: AsyncSession, *, tour_id: int, seen: Collection[int]) -> list[TourChange]:
    stored = await not_seen(session, table=TourChangeRow, owner_column=TourChangeRow.tour_id, owner_id=tour_id,
                            seen=seen)
    return [TourChange.model_validate(change) for change in stored]


def require_active(tour: Tour) -> None:
    if tour.status != TourStatus.active:
        raise Conflict(f"送教活动当前状态为 {tour.status}，不能进行此操作 (tour is {tour.status})", status=tour.status)


async def _changed_notice(session: AsyncSession, *, tour: Tour, stop: TourStop, row: TourChangeRow,
                          **fields) -> NotifyRequest:
    return await notices.stop_notice(session, model=TourStopChanged, key=f"tour:{tour.id}:change:{row.id}", tour=tour,
                                     stop=stop, link=notices.stop_link(stop),
                                     audience=notices.presenters_and_hosts(stop), **fields)


async def skip_stop(session: AsyncSession, *, tour: Tour, stop: TourStop, reason: str, actor: User,
                    now: datetime) -> Change:
    require_active(tour)
    occurrences.skip(stop, now=now)
    stop.skip_reason = reason
    row = await log_change(session, tour=tour, stop=stop, action="skipped", actor=actor, now=now, data={"reason": reason})
    return Change(tour, row, [await _changed_notice(session, tour=tour, stop=stop, row=row, action="skipped",
                                                    reason=reason)])


async def reschedule_stop(session: AsyncSession, *, tour: Tour, stop: TourStop, data: RescheduleIn, actor: User,
                          now: datetime, tz: ZoneInfo) -> Change:
    require_active(tour)
    before = occurrences.reschedule(stop, starts_at=data.starts_at, ends_at=data.ends_at, now=now, tz=tz)
    after = {"starts_at": stop.starts_at.isoformat(), "ends_at": stop.ends_at.isoformat()}
    row = await log_change(session, tour=tour, stop=stop, action="rescheduled", actor=actor, now=now,
                           data={"before": before, "after": after})
    return Change(tour, row, [await _changed_notice(session, tour=tour, stop=stop, row=row, action="rescheduled",
                                                    previous_starts_at=before["starts_at"])])


async def end_tour(session: AsyncSession, *, tour: Tour, end: TourEnd, now: datetime) -> list[NotifyRequest]:
    """Staff ended the tour (the run's Update): the stops still ahead are cancelled and their people
    told. Safe to run twice: an ended tour answers the same notices (same keys) again."""
    ahead = list(await session.scalars(select(TourStop).where(
        TourStop.tour_id == tour.id, TourStop.starts_at > end.at).order_by(TourStop.starts_at)))
    if tour.status == TourStatus.active:
        tour.status, tour.end_reason = TourStatus.ended, end.reason
        occurrences.set_status([stop for stop in ahead if stop.status == OccurrenceStatus.scheduled],
                               OccurrenceStatus.cancelled, now)
        actor = await session.get(User, end.by_user_id) if end.by_user_id else None
        await log_change(session, tour=tour, action="ended", actor=actor, now=now, data={"reason": end.reason})
    called_off = [stop for stop in ahead if stop.status == OccurrenceStatus.cancelled]
    await session.flush()
    return [await notices.stop_notice(session, model=TourStopChanged, key=notices.stop_key(stop, "ended"), tour=tour,
                                      stop=stop, link=notices.stop_link(stop),
                                      audience=notices.presenters_and_hosts(stop), action="ended", reason=end.reason)
            for stop in called_off]
