"""Indicators counted from the weekly joint sessions (联片教研 · 周周有约): sessions held in the
alliance during the term, their check-ins and minutes. A school's level counts the sessions its
teachers attended (minutes: the sessions it hosted)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.series.api import SessionStatus
from models import Series, SeriesParticipant, SeriesSession, SessionCheckin, SessionMinutes
from services.evaluation.sources.registry import Count, Levels, Scope, counted, query, rate

OPENING_DAYS = 14  # "a meeting at the start of each term" (`004_…`): within its first two weeks
CLOSING_DAYS = 14  # and a review within its last two
HALF_DAY = timedelta(hours=3)  # 「每周固定半天」 (`002_…`): a session of three hours or more


@dataclass(frozen=True)
class Held:
    session: SeriesSession
    minutes_due_days: int
    attendees: dict[int, int]  # user id → check-in id


async def _held(session: AsyncSession, scope: Scope) -> list[Held]:
    rows = (await session.execute(
        select(SeriesSession, Series.minutes_due_days).join(Series, Series.id == SeriesSession.series_id).where(
            Series.cluster_id == scope.cluster_id, SeriesSession.status == SessionStatus.held,
            SeriesSession.starts_at >= scope.starts, SeriesSession.starts_at < scope.ends,
        ).order_by(SeriesSession.id)
    )).all()
    checkins: dict[int, dict[int, int]] = defaultdict(dict)
    for checkin in await session.scalars(select(SessionCheckin).where(
            SessionCheckin.session_id.in_([meeting.id for meeting, _ in rows]))):
        checkins[checkin.session_id][checkin.user_id] = checkin.id
    return [Held(meeting, due, checkins[meeting.id]) for meeting, due in rows]


def _attended_by_school(scope: Scope, held: list[Held]) -> dict[int | None, list[str]]:
    """Every held session for the alliance; for a school, those its teachers checked in to."""
    by_school: dict[int | None, list[str]] = defaultdict(list)
    for item in held:
        by_school[None].append(f"session:{item.session.id}")
        for school_id in {scope.teachers[user] for user in item.attendees if user in scope.teachers}:
            by_school[school_id].append(f"session:{item.session.id}")
    return by_school


@query("series.sessions_held")
async def sessions_held(session: AsyncSession, scope: Scope) -> Levels:
    return counted(scope, _attended_by_school(scope, await _held(session, scope)))


def _within(scope: Scope, held: list[Held], *, first_days: int = 0, last_days: int = 0) -> list[Held]:
    def local_day(item: Held):
        return item.session.starts_at.astimezone(scope.tz).date()

    if first_days:
        return [item for item in held if local_day(item) < scope.term_start + timedelta(days=first_days)]
    return [item for item in held if local_day(item) > scope.term_end - timedelta(days=last_days)]


@query("series.term_start_meeting")
async def term_start_meeting(session: AsyncSession, scope: Scope) -> Levels:
    return counted(scope, _attended_by_school(scope, _within(scope, await _held(session, scope),
                                                             first_days=OPENING_DAYS)))


@query("series.term_end_review")
async def term_end_review(session: AsyncSession, scope: Scope) -> Levels:
    return counted(scope, _attended_by_school(scope, _within(scope, await _held(session, scope),
                                                             last_days=CLOSING_DAYS)))


@query("series.attendance_rate")
async def attendance_rate(session: AsyncSession, scope: Scope) -> Levels:
    """Check-ins of the alliance's teachers over the participants each held session expected."""
    held = await _held(session, scope)
    expected_rows = (await session.execute(
        select(SeriesSession.id, SeriesParticipant.user_id).join(
            SeriesParticipant, SeriesParticipant.series_id == SeriesSession.series_id).where(
            SeriesSession.id.in_([item.session.id for item in held]),
            SeriesParticipant.joined_at <= SeriesSession.starts_at,
            or_(SeriesParticipant.left_at.is_(None), SeriesParticipant.left_at > SeriesSession.starts_at),
        )
    )).all()
    attendees = {item.session.id: item.attendees for item in held}
    expected: dict[int | None, int] = defaultdict(int)
    came: dict[int | None, list[str]] = defaultdict(list)
    for session_id, user_id in expected_rows:
        if user_id not in scope.teachers:
            continue
        for level in (None, scope.teachers[user_id]):
            expected[level] += 1
            if user_id in attendees[session_id]:
                came[level].append(f"checkin:{attendees[session_id][user_id]}")
    return {level: Count(rate(len(came[level]), expected[level]), sorted(came[level]))
            for level in (None, *scope.school_ids)}


@query("series.minutes_on_time")
async def minutes_on_time(session: AsyncSession, scope: Scope) -> Levels:
    """Held sessions whose minutes came within the series' due days; a school: those it hosted."""
    held = await _held(session, scope)
    submitted = dict((await session.execute(select(SessionMinutes.session_id, SessionMinutes.submitted_at).where(
        SessionMinutes.session_id.in_([item.session.id for item in held])))).all())
    total: dict[int | None, int] = defaultdict(int)
    on_time: dict[int | None, list[str]] = defaultdict(list)
    for item in held:
        due = item.session.starts_at + timedelta(days=item.minutes_due_days)
        for level in (None, item.session.host_school_id):
            total[level] += 1
            if item.session.id in submitted and submitted[item.session.id] <= due:
                on_time[level].append(f"session:{item.session.id}")
    return {level: Count(rate(len(on_time[level]), total[level]), on_time[level])
            for level in (None, *scope.school_ids)}


@query("series.half_day_weeks")
async def half_day_weeks(session: AsyncSession, scope: Scope) -> Levels:
    """Weeks of the term with half a day of joint research (a school: one its teachers attended),
    per cent of the term's weeks."""
    weeks = -(-((scope.term_end - scope.term_start).days + 1) // 7)
    half_days = [item for item in await _held(session, scope)
                 if item.session.ends_at - item.session.starts_at >= HALF_DAY]
    by_school = _attended_by_school(scope, half_days)
    starts = {item.session.id: item.session.starts_at for item in half_days}
    levels: Levels = {}
    for level in (None, *scope.school_ids):
        week_of = {}
        for record in by_school.get(level, []):
            week = (starts[int(record.split(":")[1])].astimezone(scope.tz).date() - scope.term_start).days // 7
            week_of.setdefault(week, record)
        levels[level] = Count(rate(len(week_of), weeks), sorted(week_of.values()))
    return levels
