"""A teacher's weekly-session to-dos (待办, services/todos): check in to a session whose window is
open now (services/attendance decides), write the minutes she owes. Each drops once done."""

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.schedule import OccurrenceStatus
from contracts.todos.api import Todo
from models import School, Series, SeriesParticipant, SeriesSession, SessionCheckin, SessionMinutes, User
from services.series import notices
from services.series.service import checkin_window, minutes_due, present_at


# Any window opens less than a day before its session (CHECKIN_*_MINUTES_BEFORE ≤ 24 h).
_DAY = timedelta(days=1)


async def todos_for(session: AsyncSession, *, user: User, now: datetime) -> list[Todo]:
    return [*await _check_ins(session, user=user, now=now), *await _minutes(session, user=user, now=now)]


async def _check_ins(session: AsyncSession, *, user: User, now: datetime) -> list[Todo]:
    takes_part = select(SeriesParticipant.id).where(
        SeriesParticipant.series_id == SeriesSession.series_id, SeriesParticipant.user_id == user.id,
        present_at(SeriesSession.starts_at)).exists()
    checked = select(SessionCheckin.session_id).where(SessionCheckin.user_id == user.id)
    rows = await session.execute(
        select(SeriesSession, Series).join(Series, Series.id == SeriesSession.series_id)
        .where(SeriesSession.status == OccurrenceStatus.scheduled, takes_part, SeriesSession.id.not_in(checked),
               SeriesSession.starts_at.between(now - _DAY, now + _DAY)))
    todos = []
    for meeting, series in rows:
        window = checkin_window(series, meeting)
        if window.is_open(now):
            todos.append(Todo(source="series", action="check_in", title=f"活动签到：{notices.session_label(series, meeting)}",
                              due=window.closes, link=notices.session_link(meeting), record_id=meeting.id))
    return todos


async def _minutes(session: AsyncSession, *, user: User, now: datetime) -> list[Todo]:
    """Held sessions without minutes whose recorder she is (by default the host school's contact)."""
    contact_of = select(School.id).where(School.contact_user_id == user.id)
    has_minutes = select(SessionMinutes.session_id)
    rows = await session.execute(
        select(SeriesSession, Series).join(Series, Series.id == SeriesSession.series_id)
        .where(SeriesSession.status == OccurrenceStatus.held, SeriesSession.id.not_in(has_minutes),
               or_(SeriesSession.recorder_user_id == user.id,
                   SeriesSession.recorder_user_id.is_(None) & SeriesSession.host_school_id.in_(contact_of))))
    return [Todo(source="series", action="minutes", title=f"提交纪要：{notices.session_label(series, meeting)}",
                 due=minutes_due(series, meeting), link=notices.session_link(meeting), record_id=meeting.id)
            for meeting, series in rows]

