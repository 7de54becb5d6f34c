"""An exchange's timeline, computed from the database: the announcement before the start, the
reminder before the end, the report request on return, the late report escalated to the home
school's contact and then to staff, the assessment asked of staff. Each step is named by the date
it hangs on ("announce:2027-03-01"), so a postponement makes new steps and leaves the ones done
before as they were; what is done is recorded on the exchange (`steps_done`), so the run keeps
no list.

A step that comes due after what it announces has passed (an exchange created late, or imported
with past dates) is done without a notice: nobody hears of a start months ago."""

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from config import Settings
from contracts.exchanges.history import ExchangeStatus, Step, StepKind, StepResult
from contracts.notifications.history import NotifyRequest
from contracts.notifications.notices import (
    ExchangeAnnounced, ExchangeAssessmentDue, ExchangeEndReminder, ExchangeReportLate, ExchangeReportRequested,
)
from models import Exchange
from services.exchanges.notices import ExchangePeople, staff_ids
from services.exchanges.service import at_notice_time, report_due, returned_on, state_of

DAY = timedelta(days=1)
# The steps still worth taking in each status; any other step due then is done without a word.
WANTED = {
    StepKind.announce: (ExchangeStatus.planned,),
    StepKind.end_reminder: (ExchangeStatus.planned, ExchangeStatus.away),
    StepKind.report_request: (ExchangeStatus.planned, ExchangeStatus.away, ExchangeStatus.returned),
    StepKind.report_late_school: (ExchangeStatus.planned, ExchangeStatus.away, ExchangeStatus.returned),
    StepKind.report_late_staff: (ExchangeStatus.planned, ExchangeStatus.away, ExchangeStatus.returned),
    StepKind.assessment_due: (ExchangeStatus.reported,),
}


def timeline(exchange: Exchange, settings: Settings) -> list[Step]:
    tz, back, due = settings.tz, returned_on(exchange), report_due(exchange, settings)
    escalate = timedelta(days=settings.exchange_escalate_after_days)

    def step(kind: StepKind, day, on) -> Step:
        return Step(kind=kind, due_at=at_notice_time(day, tz), key=f"{kind.value}:{on.isoformat()}")

    start, end = exchange.planned_start, exchange.planned_end
    return [
        step(StepKind.announce, start - timedelta(days=settings.exchange_notice_days_before), start),
        step(StepKind.end_reminder, end - timedelta(days=settings.exchange_end_reminder_days_before), end),
        step(StepKind.report_request, back, due),
        step(StepKind.report_late_school, due + DAY, due),
        step(StepKind.report_late_staff, due + DAY + escalate, due),
        step(StepKind.assessment_due, due + DAY + 2 * escalate, due),
    ]


async def plan_next(session: AsyncSession, *, exchange: Exchange, settings: Settings) -> StepResult:
    """The first step not yet done; none once the exchange is assessed or cancelled (the run then
    ends), nor while only the assessment is awaited."""
    done = set(exchange.steps_done)
    ahead = [s for s in timeline(exchange, settings) if s.key not in done]
    live = exchange.status not in (ExchangeStatus.assessed, ExchangeStatus.cancelled)
    next_step = min(ahead, key=lambda s: s.due_at, default=None) if live else None
    return StepResult(next_step=next_step, state=state_of(exchange))


async def run_step(session: AsyncSession, *, exchange: Exchange, step: Step, settings: Settings,
                   at: datetime) -> list[NotifyRequest]:
    """Do the step and record it done; the notices to send. A step made stale by a change of dates
    sends nothing; a step whose moment has passed unannounced is only recorded. Run again (its answer
    lost), it answers the same notices, which their keys keep from being sent twice."""
    if step.key not in {s.key for s in timeline(exchange, settings)}:
        return []
    wanted = exchange.status in WANTED[step.kind] and not _passed(step, exchange, settings, at)
    if step.key not in exchange.steps_done:
        exchange.steps_done = [*exchange.steps_done, step.key]
        await session.flush()
    if not wanted:
        return []
    people = await ExchangePeople.of(session, exchange)
    due = report_due(exchange, settings)
    match step.kind:
        case StepKind.announce:
            notice = people.notice(ExchangeAnnounced, step.key, people.ids("teacher", "home", "host"),
                                   duties=exchange.duties, weekday=exchange.weekday)
        case StepKind.end_reminder:
            notice = people.notice(ExchangeEndReminder, step.key, people.ids("teacher", "host"),
                                   report_due_days=settings.exchange_report_due_days)
        case StepKind.report_request:
            notice = people.notice(ExchangeReportRequested, step.key, people.ids("teacher"), due=due)
        case StepKind.report_late_school:
            notice = people.notice(ExchangeReportLate, step.key, people.ids("home"), due=due, escalated_to="school")
        case StepKind.report_late_staff:
            notice = people.notice(ExchangeReportLate, step.key, await staff_ids(session), due=due,
                                   escalated_to="staff")
        case StepKind.assessment_due:
            notice = people.notice(ExchangeAssessmentDue, step.key, await staff_ids(session))
    return [notice] if notice else []


def _passed(step: Step, exchange: Exchange, settings: Settings, at: datetime) -> bool:
    """An announcement or end reminder reaching a day already past (created or imported late)."""
    day = at.astimezone(settings.tz).date()
    match step.kind:
        case StepKind.announce:
            return day >= exchange.planned_start
        case StepKind.end_reminder:
            return day >= exchange.planned_end
    return False
