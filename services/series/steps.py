"""The timeline of a series (services/schedule/timeline.py): every session contributes its steps
(announce, reminders, close check-in, minutes reminder, escalation) at due times derived from
its current start; the workflow only remembers how far it has got (a Cursor)."""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.notifications.notices import (
    Escalation, MinutesMissing, SessionAbsent, SessionAnnouncement, SessionNotice, SessionReminder,
)
from contracts.notifications.history import NotifyRequest
from contracts.series.api import SessionStatus
from contracts.series.history import Cursor, SeriesStatus, Step, StepKind, StepResult
from models import School, Series, SeriesSession, SessionMinutes
from services import attendance
from services.schedule.timeline import next_after
from services.series import notices
from services.series.service import absentees, checkin_window, minutes_due, recorder_of

CLOSE_ORDER = 100  # after the reminders, whatever their number
MINUTES_REMINDER_ORDER = 101
ESCALATION_ORDER = 102


def session_steps(series: Series, meeting: SeriesSession, *, has_minutes: bool) -> list[Step]:
    def step(kind: StepKind, due_at: datetime, order: int, **extra) -> Step:
        return Step(kind=kind, due_at=due_at, session_id=meeting.id, order=order, sequence=meeting.sequence, **extra)

    steps = []
    if meeting.status == SessionStatus.scheduled:
        # A session created after its announcement time is announced at once.
        announce_at = max(meeting.starts_at - timedelta(days=series.announce_days_before), meeting.created_at)
        steps.append(step(StepKind.announce, announce_at, 0))
        for order, minutes in enumerate(series.reminder_minutes_before, start=1):
            steps.append(step(StepKind.remind, meeting.starts_at - timedelta(minutes=minutes), order, minutes_before=minutes))
        steps.append(step(StepKind.close_checkin, checkin_window(series, meeting).closes, CLOSE_ORDER))
    if meeting.status in (SessionStatus.scheduled, SessionStatus.held) and not has_minutes:
        due = minutes_due(series, meeting)
        steps.append(step(StepKind.minutes_reminder, due, MINUTES_REMINDER_ORDER))
        steps.append(step(StepKind.minutes_escalation, due + timedelta(days=series.escalate_after_days), ESCALATION_ORDER))
    return steps


async def plan_next(session: AsyncSession, *, series_id: int, after: Cursor) -> StepResult:
    """The first step after the cursor. With none left the run is finished, unless the series is
    paused (a resume brings sessions back). A finished active series is marked completed."""
    series = await session.get(Series, series_id)
    open_sessions = (await session.scalars(select(SeriesSession).where(
        SeriesSession.series_id == series_id,
        SeriesSession.status.in_([SessionStatus.scheduled, SessionStatus.held]),
    ))).all()
    with_minutes = set(await session.scalars(
        select(SessionMinutes.session_id).where(SessionMinutes.session_id.in_([s.id for s in open_sessions]))
    ))
    next_step = next_after((step for meeting in open_sessions
                            for step in session_steps(series, meeting, has_minutes=meeting.id in with_minutes)), after)
    finished = next_step is None and series.status != SeriesStatus.paused
    if finished and series.status == SeriesStatus.active:
        series.status = SeriesStatus.completed
        await session.flush()
    return StepResult(next_step=next_step, finished=finished, series_status=series.status)


async def run_step(session: AsyncSession, *, step: Step) -> list[NotifyRequest]:
    """Do what the step stands for and return the notices to send. A step made stale by a
    change since it was planned (another SEQUENCE, another status) does nothing."""
    meeting = await session.get(SeriesSession, step.session_id)
    if meeting is None or meeting.sequence != step.sequence:
        return []
    series = await session.get(Series, meeting.series_id)
    host = await session.get(School, meeting.host_school_id)
    key = f"session:{meeting.id}"

    def notice(model: type[SessionNotice], key_suffix: str, link: str, **kwargs) -> NotifyRequest:
        return notices.session_notice(model=model, key=f"{key}:{key_suffix}", series=series, meeting=meeting, host=host,
                                      link=link, **kwargs)

    if step.kind in (StepKind.announce, StepKind.remind) and meeting.status != SessionStatus.scheduled:
        return []
    # Held already: this very step closed it before its activity was retried; its notice again.
    if step.kind == StepKind.close_checkin and meeting.status not in (SessionStatus.scheduled, SessionStatus.held):
        return []
    match step.kind:
        case StepKind.announce:
            return [notice(SessionAnnouncement, f"announce:seq{meeting.sequence}", notices.session_link(meeting),
                           audience=notices.participants_of(meeting))]
        case StepKind.remind:
            return [notice(SessionReminder, f"reminder:-{step.minutes_before}m:seq{meeting.sequence}",
                           notices.session_link(meeting, "checkin"), audience=notices.participants_of(meeting))]
        case StepKind.close_checkin:
            meeting.status = SessionStatus.held
            await session.flush()
            absent = await absentees(session, meeting=meeting)
            if not absent:
                return []
            return [notice(SessionAbsent, "absent", notices.session_link(meeting),
                           audience=notices.absentee_contacts(meeting), absentees=attendance.by_school(absent))]
    # The minutes steps: only while the record is still missing.
    if meeting.status != SessionStatus.held or await session.get(SessionMinutes, meeting.id) is not None:
        return []
    link = notices.session_link(meeting, "minutes")
    if step.kind == StepKind.minutes_reminder:
        recorder = await recorder_of(session, meeting)
        return [notice(MinutesMissing, "minutes:reminder", link, user_ids=[recorder])] if recorder else []
    if not series.organiser_user_id:
        return []
    escalation = Escalation(about="minutes", subject=series.title, due=minutes_due(series, meeting))
    return [NotifyRequest(payload=escalation, key=f"{key}:minutes:escalation", user_ids=[series.organiser_user_id],
                          link=link, series_id=series.id)]
