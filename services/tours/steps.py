"""The timeline of a tour (services/schedule/timeline.py): every stop contributes its steps (the
announcement, the checklist reminder when it is due, the end of check-in, the host's feedback
request, its chases, the escalation to staff) at due times derived from its current start; the
run only remembers how far it has got (a StopCursor)."""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.notifications.history import NotifyRequest
from contracts.notifications.notices import (
    TourChecklistReminder, TourFeedbackOverdue, TourFeedbackRequested, TourStopAnnouncement,
)
from contracts.schedule import OccurrenceStatus
from contracts.tours.history import StopCursor, StopStep, StopStepKind, TourStatus, TourStepResult
from models import Tour, TourFeedback, TourStop
from services.schedule.timeline import next_after
from services.tours import notices
from services.tours.service import checkin_window, checklist_complete, checklist_due, feedback_due, host_contact

CLOSE_ORDER = 100
FEEDBACK_ORDER = 101  # the request; chase n is FEEDBACK_ORDER + n, the escalation after the last


def stop_steps(tour: Tour, stop: TourStop, *, has_feedback: bool) -> list[StopStep]:
    def step(kind: StopStepKind, due_at: datetime, order: int, **extra) -> StopStep:
        return StopStep(kind=kind, due_at=due_at, stop_id=stop.id, order=order, sequence=stop.sequence, **extra)

    steps = []
    if stop.status == OccurrenceStatus.scheduled:
        lead = timedelta(days=tour.checklist_days_before)
        # Announced a checklist's lead time before it is due; a stop created later is announced at once.
        steps.append(step(StopStepKind.announce, max(checklist_due(tour, stop) - lead, stop.created_at), 0))
        steps.append(step(StopStepKind.checklist_reminder, checklist_due(tour, stop), 1))
        steps.append(step(StopStepKind.close_checkin, checkin_window(tour, stop).closes, CLOSE_ORDER))
    if stop.status in (OccurrenceStatus.scheduled, OccurrenceStatus.held) and not has_feedback:
        asked = feedback_due(tour, stop)
        chase_every = timedelta(days=tour.feedback_chase_days)
        steps.append(step(StopStepKind.feedback_request, asked, FEEDBACK_ORDER))
        for chase in range(1, tour.feedback_chases + 1):
            steps.append(step(StopStepKind.feedback_chase, asked + chase * chase_every, FEEDBACK_ORDER + chase,
                              chase=chase))
        steps.append(step(StopStepKind.feedback_escalation, asked + (tour.feedback_chases + 1) * chase_every,
                          FEEDBACK_ORDER + tour.feedback_chases + 1))
    return steps


async def plan_next(session: AsyncSession, *, tour_id: int, after: StopCursor) -> TourStepResult:
    """The first step after the cursor; with none left the run is finished (an active tour completed)."""
    tour = await session.get(Tour, tour_id)
    open_stops = list(await session.scalars(select(TourStop).where(
        TourStop.tour_id == tour_id, TourStop.status.in_([OccurrenceStatus.scheduled, OccurrenceStatus.held]))))
    with_feedback = set(await session.scalars(
        select(TourFeedback.stop_id).where(TourFeedback.stop_id.in_([stop.id for stop in open_stops]))))
    next_step = next_after((step for stop in open_stops
                            for step in stop_steps(tour, stop, has_feedback=stop.id in with_feedback)), after)
    if next_step is None and tour.status == TourStatus.active:
        tour.status = TourStatus.completed
        await session.flush()
    return TourStepResult(next_step=next_step, finished=next_step is None, tour_status=tour.status)


async def run_step(session: AsyncSession, *, step: StopStep) -> list[NotifyRequest]:
    """Do what the step stands for and return the notices to send. A step made stale by a change
    since it was planned (another SEQUENCE, another status, the form in) does nothing."""
    stop = await session.get(TourStop, step.stop_id)
    if stop is None or stop.sequence != step.sequence:
        return []
    tour = await session.get(Tour, stop.tour_id)

    async def notice(model, what: str, link: str, **kwargs) -> list[NotifyRequest]:
        return [await notices.stop_notice(session, model=model, key=notices.stop_key(stop, what), tour=tour, stop=stop,
                                          link=link, **kwargs)]

    match step.kind:
        case StopStepKind.announce if stop.status == OccurrenceStatus.scheduled:
            return await notice(TourStopAnnouncement, f"announce:seq{stop.sequence}", notices.stop_link(stop),
                                audience=notices.presenters_and_hosts(stop), checklist_due=checklist_due(tour, stop))
        case StopStepKind.checklist_reminder if stop.status == OccurrenceStatus.scheduled:
            if checklist_complete(tour, stop):
                return []
            missing = [item for position, item in enumerate(tour.checklist_items)
                       if position not in stop.checklist_ticked]
            return await notice(TourChecklistReminder, f"checklist:seq{stop.sequence}", notices.stop_link(stop),
                                audience=notices.presenters(stop), due=checklist_due(tour, stop), missing=missing)
        case StopStepKind.close_checkin if stop.status == OccurrenceStatus.scheduled:
            stop.status = OccurrenceStatus.held
            await session.flush()
            return []
    # The feedback steps: only while the host school's form is missing.
    if (step.kind not in (StopStepKind.feedback_request, StopStepKind.feedback_chase, StopStepKind.feedback_escalation)
            or stop.status != OccurrenceStatus.held or await session.get(TourFeedback, stop.id) is not None):
        return []
    link = notices.stop_link(stop, "feedback")
    if step.kind == StopStepKind.feedback_escalation:
        staff = tour.created_by_user_id
        return await notice(TourFeedbackOverdue, "feedback:overdue", notices.stop_link(stop), user_ids=[staff],
                            chases=tour.feedback_chases) if staff else []
    contact = await host_contact(session, stop)
    if contact is None:
        return []
    chase = step.chase or 0
    return await notice(TourFeedbackRequested, f"feedback:{chase}", link, user_ids=[contact], chase=chase)
