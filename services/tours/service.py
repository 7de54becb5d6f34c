"""Touring lessons (送教下乡 · 巡回送教): creating a tour and its stops, reading them, and what
people do at a stop (the presenter's checklist and recording link, check-in, the host school's
feedback). The database is the truth about stops; changes to the schedule are in changes.py."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from config import Settings
from contracts.errors import Conflict, InvalidField
from contracts.schedule import CALLED_OFF
from contracts.tours.api import FeedbackIn, StopDetail, StopIn, StopSummary, TourDetail, TourIn, TourOut
from contracts.tours.history import LIVE_TOURS, StopCursor
from models import School, Studio, StudioMember, Teacher, Tour, TourChange, TourFeedback, TourStop, TourStopCheckin, User
from services.attendance import AttendanceKind, CheckinWindow, WindowRule, default_rule
from services.schedule.occurrences import aware


# ---- who presents, who hosts ----


async def presenter_ids(session: AsyncSession, tour: Tour) -> list[int]:
    """The presenter, or every member of the studio."""
    if tour.presenter_user_id is not None:
        return [tour.presenter_user_id]
    return sorted(await session.scalars(select(StudioMember.user_id).where(StudioMember.studio_id == tour.studio_id)))


async def presenter_names(session: AsyncSession, tour: Tour) -> list[str]:
    ids = await presenter_ids(session, tour)
    names = dict((await session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))).all())
    return [names[user_id] for user_id in ids if user_id in names]


def host_teachers(school_id: int):
    """The host school's active teachers with a login (a select of their user ids)."""
    return select(Teacher.user_id).where(Teacher.school_id == school_id, Teacher.active, Teacher.user_id.is_not(None))


async def is_host_teacher(session: AsyncSession, *, stop: TourStop, user_id: int) -> bool:
    return await session.scalar(host_teachers(stop.host_school_id).where(Teacher.user_id == user_id).limit(1)) is not None


async def host_contact(session: AsyncSession, stop: TourStop) -> int | None:
    """Who owes the host school's feedback: its contact."""
    host = await session.get(School, stop.host_school_id)
    return host.contact_user_id if host else None


# ---- creating ----


async def _check_people(session: AsyncSession, data: TourIn) -> None:
    if data.presenter_user_id is not None:
        user = await session.get(User, data.presenter_user_id)
        if user is None or not user.active:
            raise InvalidField("presenter_user_id", f"用户 {data.presenter_user_id} 不存在 (no such active user)")
    if data.studio_id is not None and await session.get(Studio, data.studio_id) is None:
        raise InvalidField("studio_id", f"工作室 {data.studio_id} 不存在 (no such studio)")


async def _hosts(session: AsyncSession, stops: list[StopIn]) -> dict[int, School]:
    ids = {stop.host_school_id for stop in stops}
    schools = {school.id: school for school in await session.scalars(select(School).where(School.id.in_(ids)))}
    unknown = sorted(ids - schools.keys())
    if unknown:
        raise InvalidField("stops", f"学校 {unknown} 不存在 (unknown host schools)")
    return schools


async def create_tour(session: AsyncSession, *, data: TourIn, actor: User | None, now: datetime, tz: ZoneInfo,
                      settings: Settings | None = None, import_key: str | None = None) -> Tour:
    """`settings`: the defaults a tour fixes (check-in window, checklist lead time, feedback chases)."""
    await _check_people(session, data)
    hosts = await _hosts(session, data.stops)
    stops = sorted(data.stops, key=lambda stop: aware(stop.starts_at, tz))
    if aware(stops[0].starts_at, tz) <= now:
        raise InvalidField("stops", "送教时间须在将来 (every stop must be in the future)")
    rule = default_rule(AttendanceKind.tour_stop, settings)
    defaults = settings or Settings.model_construct()  # the class's defaults, as default_rule takes them
    tour = Tour(
        title=data.title, subject=data.subject, presenter_user_id=data.presenter_user_id, studio_id=data.studio_id,
        checklist_items=list(data.checklist), checklist_days_before=defaults.tour_checklist_days_before,
        checkin_opens_minutes_before=int(rule.opens_before / timedelta(minutes=1)),
        checkin_closes_minutes_after=int(rule.closes_after / timedelta(minutes=1)),
        feedback_chase_days=defaults.tour_feedback_chase_days, feedback_chases=defaults.tour_feedback_chases,
        import_key=import_key, created_by_user_id=actor.id if actor else None, created_at=now, updated_at=now,
    )
    session.add(tour)
    await session.flush()
    for number, stop in enumerate(stops, start=1):
        host = hosts[stop.host_school_id]
        session.add(TourStop(
            tour_id=tour.id, number=number, host_school_id=host.id, starts_at=aware(stop.starts_at, tz),
            ends_at=aware(stop.ends_at, tz), place=stop.place or host.address or host.name, topic=stop.topic,
            created_at=now, updated_at=now,
        ))
    await log_change(session, tour=tour, action="created", actor=actor, now=now, data={"stops": len(stops)})
    return tour


async def create_studio(session: AsyncSession, *, name: str, member_user_ids: list[int], now: datetime) -> Studio:
    if await session.scalar(select(Studio.id).where(Studio.name == name)) is not None:
        raise Conflict(f"工作室「{name}」已存在 (a studio of this name exists)", name=name)
    known = set(await session.scalars(select(User.id).where(User.id.in_(member_user_ids), User.active)))
    unknown = sorted(set(member_user_ids) - known)
    if unknown:
        raise InvalidField("member_user_ids", f"用户 {unknown} 不存在 (unknown users)")
    studio = Studio(name=name, created_at=now, updated_at=now)
    session.add(studio)
    await session.flush()
    session.add_all(StudioMember(studio_id=studio.id, user_id=user_id) for user_id in sorted(known))
    await session.flush()
    return studio


async def studio_members(session: AsyncSession, studio_id: int) -> list[int]:
    return sorted(await session.scalars(select(StudioMember.user_id).where(StudioMember.studio_id == studio_id)))


async def log_change(session: AsyncSession, *, tour: Tour, action: str, actor: User | None, now: datetime,
                     stop: TourStop | None = None, data: dict | None = None) -> TourChange:
    row = TourChange(tour_id=tour.id, stop_id=stop.id if stop else None, action=action,
                     actor_user_id=actor.id if actor else None, data=data or {}, created_at=now)
    session.add(row)
    await session.flush()
    return row


# ---- the rules of a stop ----


def checkin_window(tour: Tour, stop: TourStop) -> CheckinWindow:
    rule = WindowRule(AttendanceKind.tour_stop, timedelta(minutes=tour.checkin_opens_minutes_before),
                      timedelta(minutes=tour.checkin_closes_minutes_after))
    return rule.window(starts_at=stop.starts_at, ends_at=stop.ends_at)


def checklist_due(tour: Tour, stop: TourStop) -> datetime:
    return stop.starts_at - timedelta(days=tour.checklist_days_before)


def checklist_complete(tour: Tour, stop: TourStop) -> bool:
    return stop.checklist_done_at is not None or not tour.checklist_items


def feedback_due(tour: Tour, stop: TourStop) -> datetime:
    """When the host school is asked: once check-in has closed."""
    return checkin_window(tour, stop).closes


# ---- reading ----


async def tour_stops(session: AsyncSession, tour_id: int) -> list[TourStop]:
    stmt = select(TourStop).where(TourStop.tour_id == tour_id).order_by(TourStop.starts_at, TourStop.id)
    return list(await session.scalars(stmt))


async def _summaries(session: AsyncSession, tour: Tour, stops: list[TourStop]) -> list[StopSummary]:
    ids = [stop.id for stop in stops]
    checked_in = dict((await session.execute(
        select(TourStopCheckin.stop_id, func.count()).where(TourStopCheckin.stop_id.in_(ids))
        .group_by(TourStopCheckin.stop_id))).all())
    with_feedback = set(await session.scalars(select(TourFeedback.stop_id).where(TourFeedback.stop_id.in_(ids))))
    names = dict((await session.execute(
        select(School.id, School.name).where(School.id.in_({stop.host_school_id for stop in stops})))).all())
    return [
        StopSummary(
            **{column.key: getattr(stop, column.key) for column in TourStop.__table__.columns},
            host_school_name=names.get(stop.host_school_id, ""), checked_in=checked_in.get(stop.id, 0),
            has_feedback=stop.id in with_feedback, checklist_due_at=checklist_due(tour, stop),
            checklist_complete=checklist_complete(tour, stop),
        )
        for stop in stops
    ]


async def tour_detail(session: AsyncSession, *, tour: Tour) -> TourDetail:
    stops = await tour_stops(session, tour.id)
    return TourDetail(**TourOut.model_validate(tour).model_dump(), presenters=await presenter_names(session, tour),
                      stops=await _summaries(session, tour, stops))


async def stop_detail(session: AsyncSession, *, tour: Tour, stop: TourStop) -> StopDetail:
    (summary,) = await _summaries(session, tour, [stop])
    window = checkin_window(tour, stop)
    return StopDetail(**summary.model_dump(), tour_title=tour.title, checklist_items=tour.checklist_items,
                      checkin_opens_at=window.opens, checkin_closes_at=window.closes,
                      feedback=await session.get(TourFeedback, stop.id))


async def tours_list(session: AsyncSession, *, user_id: int | None) -> list[Tour]:
    """Newest first: every tour, or those the user presents (herself or through her studio)."""
    stmt = select(Tour).order_by(Tour.id.desc())
    if user_id is not None:
        studios = select(StudioMember.studio_id).where(StudioMember.user_id == user_id)
        stmt = stmt.where((Tour.presenter_user_id == user_id) | Tour.studio_id.in_(studios))
    return list(await session.scalars(stmt))


async def calendar(session: AsyncSession, *, start: datetime, end: datetime) -> list[StopSummary]:
    """The calendar of every tour: stops starting in [start, end), in time order."""
    rows = await session.execute(
        select(TourStop, Tour).join(Tour, Tour.id == TourStop.tour_id)
        .where(TourStop.starts_at >= start, TourStop.starts_at < end))
    by_tour: dict[int, tuple[Tour, list[TourStop]]] = {}
    for stop, tour in rows:
        by_tour.setdefault(tour.id, (tour, []))[1].append(stop)
    summaries = [summary for tour, stops in by_tour.values() for summary in await _summaries(session, tour, stops)]
    return sorted(summaries, key=lambda summary: (summary.starts_at, summary.id))


# ---- what people do at a stop (stored by the API; the run reads them when it needs them) ----


def _require_not_called_off(stop: TourStop) -> None:
    if stop.status in CALLED_OFF:
        raise Conflict(f"本站送教已取消 (stop is {stop.status})", status=stop.status)


async def tick_checklist(session: AsyncSession, *, tour: Tour, stop: TourStop, ticked: list[int],
                         now: datetime) -> TourStop:
    _require_not_called_off(stop)
    beyond = [position for position in ticked if position >= len(tour.checklist_items)]
    if beyond:
        raise InvalidField("ticked", f"清单没有第 {[p + 1 for p in beyond]} 项 (no such checklist items)")
    stop.checklist_ticked = sorted(set(ticked))
    complete = len(stop.checklist_ticked) == len(tour.checklist_items)
    stop.checklist_done_at = (stop.checklist_done_at or now) if complete else None
    stop.updated_at = now
    await session.flush()
    return stop


async def set_recording(session: AsyncSession, *, stop: TourStop, link: str, now: datetime) -> TourStop:
    if stop.status in CALLED_OFF or stop.starts_at > now:
        raise Conflict(f"送教尚未举行，不能上传录像 (stop is {stop.status}, starts {stop.starts_at.isoformat()})",
                       status=stop.status)
    stop.recording_link = link
    stop.updated_at = now
    await session.flush()
    return stop


async def check_in(session: AsyncSession, *, tour: Tour, stop: TourStop, user: User, now: datetime,
                   tz: ZoneInfo) -> TourStopCheckin:
    _require_not_called_off(stop)
    existing = await session.scalar(select(TourStopCheckin).where(
        TourStopCheckin.stop_id == stop.id, TourStopCheckin.user_id == user.id))
    if existing is not None:
        return existing
    checkin_window(tour, stop).require_open(now=now, tz=tz)
    checkin = TourStopCheckin(stop_id=stop.id, user_id=user.id, checked_in_at=now)
    session.add(checkin)
    await session.flush()
    return checkin


async def checked_in(session: AsyncSession, *, stop: TourStop, user_id: int) -> bool:
    stmt = select(TourStopCheckin.id).where(TourStopCheckin.stop_id == stop.id, TourStopCheckin.user_id == user_id)
    return await session.scalar(stmt) is not None


async def give_feedback(session: AsyncSession, *, stop: TourStop, data: FeedbackIn, user: User,
                        now: datetime) -> TourFeedback:
    """Once the stop has started; giving it again replaces it (the chase stops at the first)."""
    if stop.status in CALLED_OFF or stop.starts_at > now:
        raise Conflict(f"送教尚未举行，不能填写反馈 (stop is {stop.status}, starts {stop.starts_at.isoformat()})",
                       status=stop.status)
    feedback = await session.get(TourFeedback, stop.id)
    if feedback is None:
        feedback = TourFeedback(stop_id=stop.id, submitted_by_user_id=user.id, submitted_at=now, **data.model_dump())
        session.add(feedback)
    else:
        for key, value in data.model_dump().items():
            setattr(feedback, key, value)
        feedback.submitted_by_user_id, feedback.submitted_at = user.id, now
    await session.flush()
    return feedback


def initial_cursor(tour: Tour) -> StopCursor:
    return StopCursor(due_at=tour.created_at)


async def live_tours(session: AsyncSession, *, after_id: int, limit: int) -> list[tuple[int, str]]:
    """A page of the tours that should have a run, for the reconciler (engine/reconcile.py)."""
    rows = await session.execute(
        select(Tour.id, func.coalesce(User.username, "")).outerjoin(User, User.id == Tour.created_by_user_id)
        .where(Tour.status.in_(LIVE_TOURS), Tour.id > after_id).order_by(Tour.id).limit(limit))
    return [(tour_id, username) for tour_id, username in rows]

