"""The tour workflow's activities: do the step that is due and plan the next one; end the tour
when staff decided so. Each is one transaction that finds its own earlier effect."""

from temporalio import activity

from contracts.notifications.history import NotifyRequest
from contracts.tours.history import TourAdvance, TourEndInput, TourStepResult
from db import SessionFactory
from models import Tour
from services.tours import steps as tour_steps
from services.tours.changes import changes_not_seen, end_tour


class TourActivities:
    def __init__(self, session_factory: SessionFactory) -> None:
        self.session_factory = session_factory

    @activity.defn
    async def advance_tour(self, request: TourAdvance) -> TourStepResult:
        async with self.session_factory() as session:
            notices = await tour_steps.run_step(session, step=request.run) if request.run else []
            result = await tour_steps.plan_next(session, tour_id=request.tour_id, after=request.run or request.after)
            unsent = await changes_not_seen(session, tour_id=request.tour_id, seen=request.seen_changes)
            await session.commit()
        return result.model_copy(update={"notices": notices, "unsent_changes": unsent})

    @activity.defn
    async def end_tour(self, request: TourEndInput) -> list[NotifyRequest]:
        async with self.session_factory() as session:
            tour = await session.get(Tour, request.tour_id)
            notices = await end_tour(session, tour=tour, end=request.end, now=request.end.at)
            await session.commit()
        return notices

    def all(self) -> list:
        return [self.advance_tour, self.end_tour]
