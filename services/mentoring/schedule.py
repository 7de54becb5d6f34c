"""A pair's timeline for one stage, computed from the database: the monthly log checks (when the
programme has a quota), the form reminder before the stage's date, and the escalations after it.
A change (an extension, a new mentor) changes the plan without touching the workflow's state: the
workflow only remembers the stage and how far it has got."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.mentoring.history import PairStatus, PlanResult, Side, Step, StepKind
from contracts.notifications.history import NotifyRequest
from contracts.notifications.notices import MentoringFormDue, MentoringFormOverdue, MentoringLogNudge
from models import MentoringPair, MentoringProgramme
from services.mentoring import notices
from services.mentoring.service import (
    form_deadline, local_start, logs_by_side, missing_forms, people_of, stage_dates,
)

MORNING = time(9)  # nudges and escalations go out at 09:00 local


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def stage_steps(programme: MentoringProgramme, pair: MentoringPair, stage: int, *, tz: ZoneInfo,
                reminder_days: int, escalate_days: int) -> list[Step]:
    dates = stage_dates(programme, pair)
    if not 1 <= stage <= len(dates):
        return []
    opens = form_deadline(dates[stage - 2], tz) if stage > 1 else local_start(pair.starts_on, tz)
    deadline = form_deadline(dates[stage - 1], tz)
    steps = []
    if programme.monthly_log_quota:
        # On the 1st of each month, the month before it (the first whole month of the pair on): each
        # month is counted once, by the stage its check day falls in.
        month = _month_start(pair.starts_on) if pair.starts_on.day == 1 else _next_month(pair.starts_on)
        while (check := local_start(_next_month(month), tz, MORNING)) <= deadline:
            if check > opens:
                steps.append(Step(kind=StepKind.log_check, due_at=check, stage=stage, month=month.strftime("%Y-%m")))
            month = _next_month(month)
    steps.append(Step(kind=StepKind.form_reminder, stage=stage,
                      due_at=local_start(dates[stage - 1] - timedelta(days=reminder_days), tz, MORNING)))
    for times, kind in enumerate((StepKind.escalate_contact, StepKind.escalate_staff), start=1):
        overdue_day = dates[stage - 1] + timedelta(days=escalate_days * times)
        steps.append(Step(kind=kind, stage=stage, due_at=local_start(overdue_day, tz, MORNING)))
    return sorted(steps, key=lambda step: step.due_at)


async def plan_next(session: AsyncSession, *, pair_id: int, stage: int, after: datetime | None, tz: ZoneInfo,
                    reminder_days: int, escalate_days: int) -> PlanResult:
    """The stage's first step after `after`; None once they are all past (its verdict is awaited)."""
    pair = await session.get(MentoringPair, pair_id)
    if pair.status != PairStatus.active:
        return PlanResult(status=pair.status)
    programme = await session.get(MentoringProgramme, pair.programme_id)
    steps = stage_steps(programme, pair, stage, tz=tz, reminder_days=reminder_days, escalate_days=escalate_days)
    ahead = [step for step in steps if after is None or step.due_at > after]
    return PlanResult(status=pair.status, next_step=ahead[0] if ahead else None)


async def run_step(session: AsyncSession, *, pair_id: int, step: Step, tz: ZoneInfo) -> list[NotifyRequest]:
    """The notices the step calls for, to the side that is behind only; none for a pair that has
    moved on since the step was planned (ended, or its stage passed)."""
    pair = await session.get(MentoringPair, pair_id)
    if pair.status != PairStatus.active or pair.current_stage != step.stage:
        return []
    programme = await session.get(MentoringProgramme, pair.programme_id)
    people = await people_of(session, pair)

    def notice(model, what: str, user_ids: list[int | None], anchor: str, **fields) -> NotifyRequest | None:
        return notices.pair_notice(model, programme=programme, people=people, key=notices.key(pair, what),
                                   user_ids=user_ids, link=notices.pair_link(pair, anchor), **fields)

    if step.kind == StepKind.log_check:
        month = date.fromisoformat(f"{step.month}-01")
        counts = await logs_by_side(session, pair_id=pair.id, since=month, until=_next_month(month))
        found = [notice(MentoringLogNudge, f"logs:{step.month}:{side}", [people.teacher(side).user_id], "log",
                        month=step.month, logged=counts[side], quota=programme.monthly_log_quota)
                 for side in Side if counts[side] < programme.monthly_log_quota]
        return [n for n in found if n]
    missing = await missing_forms(session, pair_id=pair.id, stage=step.stage)
    if not missing:
        return []
    due = form_deadline(stage_dates(programme, pair)[step.stage - 1], tz)
    stage_key = f"stage{step.stage}:form"
    if step.kind == StepKind.form_reminder:
        found = [notice(MentoringFormDue, f"{stage_key}:reminder:{side}", [people.teacher(side).user_id], "form",
                        stage=step.stage, due=due) for side in missing]
        return [n for n in found if n]
    names = [people.teacher(side).name for side in missing]
    if step.kind == StepKind.escalate_contact:
        contacts = [people.school(side).contact_user_id for side in missing]
        found = notice(MentoringFormOverdue, f"{stage_key}:overdue:contact", contacts, "", stage=step.stage, due=due,
                       missing=names, escalated_to="contact")
    else:
        staff = [programme.created_by_user_id, pair.created_by_user_id]
        found = notice(MentoringFormOverdue, f"{stage_key}:overdue:staff", staff, "", stage=step.stage, due=due,
                       missing=names, escalated_to="staff")
    return [found] if found else []
