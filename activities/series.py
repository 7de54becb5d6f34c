"""The series workflow's one activity: do the step that is due, then plan the next one.
Both read the database, so a change stored by the API is seen at the next step."""

from temporalio import activity

from contracts.notifications.history import NotifyRequest
from contracts.runs.history import CANCELLED_FROM_OUTSIDE
from contracts.series.history import AdvanceInput, EndAfterCancel, LIVE_SERIES, SeriesAction, StepResult
from db import SessionFactory
from models import Series
from services.series import steps as series_steps
from services.series.changes import changes_not_seen, end_series


class SeriesActivities:
    def __init__(self, session_factory: SessionFactory) -> None:
        self.session_factory = session_factory

    @activity.defn
    async def advance_series(self, request: AdvanceInput) -> StepResult:
        async with self.session_factory() as session:
            notices = await series_steps.run_step(session, step=request.run) if request.run else []
            after = request.run or request.after
            result = await series_steps.plan_next(session, series_id=request.series_id, after=after)
            unsent = await changes_not_seen(session, series_id=request.series_id, seen=request.seen_changes)
            await session.commit()
        return result.model_copy(update={"notices": notices, "unsent_changes": unsent})

    @activity.defn
    async def end_after_cancel(self, request: EndAfterCancel) -> list[NotifyRequest]:
        """End the series in the database as if its organiser had; nothing to do if it already ended."""
        async with self.session_factory() as session:
            series = await session.get(Series, request.series_id)
            if series is None or series.status not in LIVE_SERIES:
                return []
            change = await end_series(session, series=series, data=SeriesAction(reason=CANCELLED_FROM_OUTSIDE),
                                      actor=None, now=request.at)
            await session.commit()
        return change.notices
