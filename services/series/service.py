"""Weekly joint sessions (联片教研 · 周周有约): creating a term series, reading it, check-in and
minutes, and the log of its changes. The database is the truth about sessions. The changes
organisers make while the term runs are in changes.py."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.directory.api import Role
from contracts.errors import Conflict, InvalidField
from contracts.series.api import CALLED_OFF, MinutesIn, SeriesDetail, SeriesIn, SeriesOut, SessionDetail, SessionSummary
from contracts.series.history import LIVE_SERIES, Cursor
from models import (
    Cluster,
    School,
    Series,
    SeriesParticipant,
    SeriesSession,
    SessionCheckin,
    SessionMinutes,
    Teacher,
    TeacherSubject,
    User,
)
from models import SeriesChange as SeriesChangeRow
from services import attendance
from services.attendance import AttendanceKind, CheckinWindow, WindowRule, default_rule
from services.directory.service import get_or_404, teacher_cluster_id


# ---- who owes the minutes ----


async def recorder_of(session: AsyncSession, meeting: SeriesSession) -> int | None:
    """Who owes the minutes: the session's recorder, else the host school's contact."""
    if meeting.recorder_user_id is not None:
        return meeting.recorder_user_id
    host = await session.get(School, meeting.host_school_id)
    return host.contact_user_id if host else None


# ---- who belongs to a cluster's sessions ----


async def require_of_cluster(session: AsyncSession, *, cluster_id: int, user_id: int, field: str) -> None:
    """A series' organiser or a session's recorder: research staff, or a teacher of the cluster."""
    user = await session.get(User, user_id)
    if user is None or not user.active or (
            user.role == Role.teacher and await teacher_cluster_id(session, user_id=user_id) != cluster_id):
        raise InvalidField(field, f"用户 {user_id} 不是本片区的教师或教研员 (not a teacher of this cluster, nor staff)")


# ---- creating a series ----


def session_dates(data: SeriesIn) -> list[tuple[date, int]]:
    """(local date, term week) of every session: the weekday in the term, minus the skip dates."""
    first_monday = data.term_start - timedelta(days=data.term_start.weekday())
    skip = set(data.skip_dates)
    day = data.term_start + timedelta(days=(data.weekday - data.term_start.isoweekday()) % 7)
    dates = []
    while day <= data.term_end:
        if day not in skip:
            dates.append((day, (day - first_monday).days // 7 + 1))
        day += timedelta(weeks=1)
    return dates


def at_local(day: date, clock, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=tz)


async def _host_rotation(session: AsyncSession, cluster: Cluster, requested: list[int]) -> list[School]:
    schools = (await session.scalars(select(School).where(School.cluster_id == cluster.id))).all()
    by_id = {school.id: school for school in schools}
    if requested:
        unknown = [school_id for school_id in requested if school_id not in by_id]
        if unknown:
            raise InvalidField("host_school_ids", f"学校 {unknown} 不属于该片区 (not schools of this cluster)")
        return [by_id[school_id] for school_id in requested]
    if not schools:
        raise InvalidField("host_school_ids", "片区没有学校 (the cluster has no school)")
    # Round-robin, the lead school (牵头校) first.
    return sorted(schools, key=lambda school: (school.id != cluster.lead_school_id, school.id))


async def _cluster_teachers(session: AsyncSession, cluster_id: int, subject: str | None) -> list[Teacher]:
    stmt = (
        select(Teacher)
        .join(School, School.id == Teacher.school_id)
        .where(School.cluster_id == cluster_id, Teacher.active, Teacher.user_id.is_not(None))
        .order_by(Teacher.id)
    )
    if subject:
        stmt = stmt.where(Teacher.id.in_(select(TeacherSubject.teacher_id).where(TeacherSubject.subject == subject)))
    return list((await session.scalars(stmt)).all())


async def create_series(
    session: AsyncSession, *, cluster_id: int, data: SeriesIn, actor: User, now: datetime, tz: ZoneInfo,
    checkin: WindowRule | None = None,
) -> Series:
    """`checkin`: the sessions' window from settings (default_rule), for the minutes the body leaves out."""
    checkin = checkin or default_rule(AttendanceKind.session)
    cluster = await get_or_404(session, Cluster, cluster_id)
    hosts = await _host_rotation(session, cluster, data.host_school_ids)
    organiser_id = data.organiser_user_id or cluster.organiser_user_id
    if data.organiser_user_id is not None:
        await require_of_cluster(session, cluster_id=cluster.id, user_id=data.organiser_user_id,
                                 field="organiser_user_id")
    # Sessions already begun are not created: a series starts from the next one.
    dates = [(day, week) for day, week in session_dates(data) if at_local(day, data.start_time, tz) > now]
    if not dates:
        raise InvalidField("term_end", "学期内没有尚未开始的活动日 (no session left in this term)")
    series = Series(
        cluster_id=cluster.id, title=data.title, term=data.term, weekday=data.weekday,
        start_time=data.start_time, end_time=data.end_time, term_start=data.term_start, term_end=data.term_end,
        skip_dates=sorted(day.isoformat() for day in data.skip_dates), host_rotation=[h.id for h in hosts],
        agenda=data.agenda, subject=data.subject, campaign_id=data.campaign_id, organiser_user_id=organiser_id,
        announce_days_before=data.announce_days_before,
        reminder_minutes_before=sorted(set(data.reminder_minutes_before), reverse=True),
        checkin_opens_minutes_before=_minutes(data.checkin_opens_minutes_before, checkin.opens_before),
        checkin_closes_minutes_after=_minutes(data.checkin_closes_minutes_after, checkin.closes_after),
        minutes_due_days=data.minutes_due_days, escalate_after_days=data.escalate_after_days,
        created_by_user_id=actor.id, created_at=now, updated_at=now,
    )
    session.add(series)
    await session.flush()
    for number, (day, week) in enumerate(dates, start=1):
        host = hosts[(number - 1) % len(hosts)]
        session.add(SeriesSession(
            series_id=series.id, number=number, week=week,
            starts_at=at_local(day, data.start_time, tz), ends_at=at_local(day, data.end_time, tz),
            host_school_id=host.id, place=host.address or host.name, theme=data.themes.get(week, ""),
            agenda=data.agenda, created_at=now, updated_at=now,
        ))
    session.add_all(
        SeriesParticipant(series_id=series.id, teacher_id=t.id, user_id=t.user_id, joined_at=now, added_by_user_id=actor.id)
        for t in await _cluster_teachers(session, cluster.id, data.subject)
    )
    await log_change(session, series=series, action="created", actor=actor, now=now, data={"sessions": len(dates)})
    await session.flush()
    return series


async def log_change(
    session: AsyncSession, *, series: Series, action: str, actor: User | None, now: datetime,
    meeting: SeriesSession | None = None, data: dict | None = None,
) -> SeriesChangeRow:
    """A change to the series, kept in its log (the series page's history, and what its run is told)."""
    row = SeriesChangeRow(
        series_id=series.id, session_id=meeting.id if meeting else None, action=action,
        actor_user_id=actor.id if actor else None, data=data or {}, created_at=now,
    )
    session.add(row)
    await session.flush()
    return row


# ---- reading ----


def present_at(at: datetime):
    """Participants of a session starting at `at`."""
    return and_(
        SeriesParticipant.joined_at <= at,
        or_(SeriesParticipant.left_at.is_(None), SeriesParticipant.left_at > at),
    )


async def _series_sessions(session: AsyncSession, series_id: int) -> list[SeriesSession]:
    stmt = select(SeriesSession).where(SeriesSession.series_id == series_id).order_by(SeriesSession.starts_at)
    return list((await session.scalars(stmt)).all())


async def _summaries(session: AsyncSession, series_id: int, sessions: list[SeriesSession]) -> list[SessionSummary]:
    ids = [s.id for s in sessions]
    checked_in = dict((await session.execute(
        select(SessionCheckin.session_id, func.count()).where(SessionCheckin.session_id.in_(ids))
        .group_by(SessionCheckin.session_id)
    )).all())
    with_minutes = set(await session.scalars(select(SessionMinutes.session_id).where(SessionMinutes.session_id.in_(ids))))
    memberships = (await session.execute(
        select(SeriesParticipant.joined_at, SeriesParticipant.left_at).where(SeriesParticipant.series_id == series_id)
    )).all()
    schools = {s.id: s.name for s in await session.scalars(select(School).where(School.id.in_({x.host_school_id for x in sessions})))}
    return [
        SessionSummary.model_validate(s).model_copy(update={
            "host_school_name": schools.get(s.host_school_id, ""),
            "participants": sum(1 for joined, left in memberships if joined <= s.starts_at and (left is None or left > s.starts_at)),
            "checked_in": checked_in.get(s.id, 0),
            "has_minutes": s.id in with_minutes,
        })
        for s in sessions
    ]


async def series_list(session: AsyncSession, *, participant_user_id: int | None) -> list[Series]:
    """Newest term first: every series, or those the participant takes part in."""
    stmt = select(Series).order_by(Series.term_start.desc(), Series.id)
    if participant_user_id is not None:
        stmt = stmt.where(Series.id.in_(
            select(SeriesParticipant.series_id).where(SeriesParticipant.user_id == participant_user_id)))
    return list(await session.scalars(stmt))


async def series_detail(session: AsyncSession, *, series: Series, now: datetime) -> SeriesDetail:
    summaries = await _summaries(session, series.id, await _series_sessions(session, series.id))
    participants = await session.scalar(
        select(func.count()).select_from(SeriesParticipant)
        .where(SeriesParticipant.series_id == series.id, SeriesParticipant.left_at.is_(None))
    )
    return SeriesDetail(
        **SeriesOut.model_validate(series).model_dump(),
        participants=participants or 0,
        upcoming=[s for s in summaries if s.ends_at > now],
        past=[s for s in summaries if s.ends_at <= now],
    )


def _minutes(chosen: int | None, default: timedelta) -> int:
    return chosen if chosen is not None else int(default / timedelta(minutes=1))


def checkin_window(series: Series, meeting: SeriesSession) -> CheckinWindow:
    rule = WindowRule(AttendanceKind.session, timedelta(minutes=series.checkin_opens_minutes_before),
                      timedelta(minutes=series.checkin_closes_minutes_after))
    return rule.window(starts_at=meeting.starts_at, ends_at=meeting.ends_at)


def minutes_due(series: Series, meeting: SeriesSession) -> datetime:
    return meeting.ends_at + timedelta(days=series.minutes_due_days)


async def session_detail(session: AsyncSession, *, meeting: SeriesSession) -> SessionDetail:
    series = await session.get(Series, meeting.series_id)
    (summary,) = await _summaries(session, series.id, [meeting])
    window = checkin_window(series, meeting)
    checkins = (await session.scalars(
        select(SessionCheckin).where(SessionCheckin.session_id == meeting.id).order_by(SessionCheckin.checked_in_at)
    )).all()
    return SessionDetail(
        **summary.model_dump(), series_id=series.id, agenda=meeting.agenda, recorder_user_id=meeting.recorder_user_id,
        skip_reason=meeting.skip_reason, checkin_opens_at=window.opens, checkin_closes_at=window.closes,
        minutes_due_at=minutes_due(series, meeting), minutes=await session.get(SessionMinutes, meeting.id),
        checkins=list(checkins),
    )


async def is_participant(session: AsyncSession, *, meeting: SeriesSession, user_id: int) -> bool:
    stmt = select(SeriesParticipant.id).where(
        SeriesParticipant.series_id == meeting.series_id, SeriesParticipant.user_id == user_id, present_at(meeting.starts_at)
    )
    return await session.scalar(stmt.limit(1)) is not None


# ---- check-in and minutes (stored by the API; the workflow reads them when it needs them) ----


async def check_in(session: AsyncSession, *, meeting: SeriesSession, user: User, now: datetime, tz: ZoneInfo) -> SessionCheckin:
    series = await session.get(Series, meeting.series_id)
    if meeting.status in CALLED_OFF:
        raise Conflict(f"本次活动已取消 (session is {meeting.status})", status=meeting.status)
    existing = await session.scalar(select(SessionCheckin).where(
        SessionCheckin.session_id == meeting.id, SessionCheckin.user_id == user.id))
    if existing is not None:
        return existing
    checkin_window(series, meeting).require_open(now=now, tz=tz)
    checkin = SessionCheckin(session_id=meeting.id, user_id=user.id, checked_in_at=now)
    session.add(checkin)
    await session.flush()
    return checkin


async def put_minutes(session: AsyncSession, *, meeting: SeriesSession, data: MinutesIn, user: User, now: datetime) -> SessionMinutes:
    if meeting.status in CALLED_OFF or meeting.starts_at > now:
        raise Conflict(f"活动尚未举行，不能提交纪要 (session is {meeting.status}, starts {meeting.starts_at.isoformat()})",
                       status=meeting.status)
    minutes = await session.get(SessionMinutes, meeting.id)
    if minutes is None:
        minutes = SessionMinutes(session_id=meeting.id, submitted_by_user_id=user.id, submitted_at=now,
                                 content=data.content, links=data.links, updated_at=now)
        session.add(minutes)
    else:
        minutes.content, minutes.links, minutes.updated_at = data.content, data.links, now
    series = await session.get(Series, meeting.series_id)
    await log_change(session, series=series, meeting=meeting, action="minutes_saved", actor=user, now=now)
    await session.flush()
    return minutes


def initial_cursor(series: Series) -> Cursor:
    return Cursor(due_at=series.created_at)


async def live_series(session: AsyncSession, *, after_id: int, limit: int) -> list[tuple[int, str]]:
    """A page of the series that should have a run (active or paused), in id order after `after_id`:
    (id, username of who planned it; empty for the few older series that do not record it). The
    reconciler (engine/reconcile.py) pages them."""
    rows = await session.execute(
        select(Series.id, func.coalesce(User.username, "")).outerjoin(User, User.id == Series.created_by_user_id)
        .where(Series.status.in_(LIVE_SERIES), Series.id > after_id).order_by(Series.id).limit(limit))
    return [(series_id, username) for series_id, username in rows]


async def absentees(session: AsyncSession, *, meeting: SeriesSession) -> list[attendance.Absentee]:
    """The session's participants (members when it started) who did not check in, by the teacher's school."""
    expected = (
        select(SeriesParticipant.user_id, Teacher.name, Teacher.school_id)
        .join(Teacher, Teacher.id == SeriesParticipant.teacher_id)
        .where(SeriesParticipant.series_id == meeting.series_id, present_at(meeting.starts_at))
    )
    present = select(SessionCheckin.user_id).where(SessionCheckin.session_id == meeting.id)
    return await attendance.absentees(session, expected=expected, present=present)
