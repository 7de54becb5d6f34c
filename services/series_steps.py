"""The timeline of a series, computed from the database: every session contributes its steps
(announce, reminders, close check-in, minutes reminder, escalation) at due times derived from
its current start, so a reschedule, a pause or a skip changes the plan without touching the
workflow's state. The workflow only remembers how far it has got (a Cursor)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.notifications import NotificationKind, NotifyRequest
from contracts.series import Cursor, SeriesStatus, SessionStatus, Step, StepKind, StepResult
from models import School, Series, SeriesSession, SessionMinutes
from services import series_notices as notices
from services.series import absentees, minutes_due, recorder_of

CLOSE_ORDER = 100  # after the reminders, whatever their number
MINUTES_REMINDER_ORDER = 101
ESCALATION_ORDER = 102


def session_steps(series: Series, sess: SeriesSession, *, has_minutes: bool) -> list[Step]:
    def step(kind: StepKind, due_at: datetime, order: int, **extra) -> Step:
        return Step(kind=kind, due_at=due_at, session_id=sess.id, order=order, sequence=sess.sequence, **extra)

    steps = []
    if sess.status == SessionStatus.scheduled:
        # A session created after its announcement time is announced at once.
        announce_at = max(sess.starts_at - timedelta(days=series.announce_days_before), sess.created_at)
        steps.append(step(StepKind.announce, announce_at, 0))
        for order, minutes in enumerate(series.reminder_minutes_before, start=1):
            steps.append(step(StepKind.remind, sess.starts_at - timedelta(minutes=minutes), order, minutes_before=minutes))
        steps.append(step(StepKind.close_checkin,
                          sess.starts_at + timedelta(minutes=series.checkin_closes_minutes_after), CLOSE_ORDER))
    if sess.status in (SessionStatus.scheduled, SessionStatus.held) and not has_minutes:
        due = minutes_due(series, sess)
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
    upcoming = [
        step
        for sess in open_sessions
        for step in session_steps(series, sess, has_minutes=sess.id in with_minutes)
        if step.key() > after.key()
    ]
    next_step = min(upcoming, key=Step.key, default=None)
    finished = next_step is None and series.status != SeriesStatus.paused
    if finished and series.status == SeriesStatus.active:
        series.status = SeriesStatus.completed
        await session.flush()
    return StepResult(next_step=next_step, finished=finished, series_status=series.status)


async def run_step(session: AsyncSession, *, step: Step, tz: ZoneInfo) -> list[NotifyRequest]:
    """Do what the step stands for and return the notices to send. A step made stale by a
    change since it was planned (another SEQUENCE, another status) does nothing."""
    sess = await session.get(SeriesSession, step.session_id)
    if sess is None or sess.sequence != step.sequence:
        return []
    series = await session.get(Series, sess.series_id)
    host = await session.get(School, sess.host_school_id)
    label = notices.session_label(series, sess)

    def notice(kind: NotificationKind, key_suffix: str, title: str, link: str, **recipients) -> NotifyRequest:
        return notices.session_notice(kind=kind, key=f"session:{sess.id}:{key_suffix}", title=title, series=series,
                                      sess=sess, host=host, tz=tz, link=link, **recipients)

    if step.kind in (StepKind.announce, StepKind.remind, StepKind.close_checkin) and sess.status != SessionStatus.scheduled:
        return []
    match step.kind:
        case StepKind.announce:
            return [notice(NotificationKind.session_announcement, f"announce:seq{sess.sequence}", f"活动通知：{label}",
                           notices.session_link(sess), audience=notices.participants_of(sess))]
        case StepKind.remind:
            return [notice(NotificationKind.session_reminder, f"reminder:-{step.minutes_before}m:seq{sess.sequence}",
                           f"活动提醒：{label}", notices.session_link(sess, "checkin"),
                           audience=notices.participants_of(sess))]
        case StepKind.close_checkin:
            sess.status = SessionStatus.held
            await session.flush()
            absent = await absentees(session, sess=sess)
            if not absent:
                return []
            names: dict[str, list[str]] = {}
            schools = {s.id: s.name for s in await session.scalars(select(School).where(School.id.in_({t.school_id for t in absent})))}
            for teacher in absent:
                names.setdefault(schools[teacher.school_id], []).append(teacher.name)
            return [notice(NotificationKind.session_absent, "absent", f"缺席提醒：{label}", notices.session_link(sess),
                           audience=notices.absentee_contacts(sess), absentees=names, absent_count=len(absent))]
    # The minutes steps: only while the record is still missing.
    if sess.status != SessionStatus.held or await session.get(SessionMinutes, sess.id) is not None:
        return []
    link = notices.session_link(sess, "minutes")
    if step.kind == StepKind.minutes_reminder:
        recorder = await recorder_of(session, sess)
        return [notice(NotificationKind.minutes_missing, "minutes:reminder", f"请提交纪要：{label}", link,
                       user_ids=[recorder])] if recorder else []
    recipients = [series.organiser_user_id] if series.organiser_user_id else []
    return [notice(NotificationKind.escalation, "minutes:escalation", f"纪要逾期：{label}", link, user_ids=recipients,
                   subject=f"{label} 纪要", due=minutes_due(series, sess).isoformat(), pending=1)] if recipients else []
