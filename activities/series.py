"""The series workflow's one activity: do the step that is due, then plan the next one.
Both read the database, so a change stored by the API is seen at the next step."""

from temporalio import activity

import services.series  # noqa: F401 - registers the session audiences in the worker
from config import Settings
from contracts.series import AdvanceInput, StepResult
from db import SessionFactory
from services import series_steps


class SeriesActivities:
    def __init__(self, session_factory: SessionFactory, settings: Settings) -> None:
        self.session_factory = session_factory
        self.tz = settings.tz

    @activity.defn
    async def advance_series(self, request: AdvanceInput) -> StepResult:
        async with self.session_factory() as session:
            notices = await series_steps.run_step(session, step=request.run, tz=self.tz) if request.run else []
            result = await series_steps.plan_next(session, series_id=request.series_id, after=request.run or request.after)
            await session.commit()
        return result.model_copy(update={"notices": notices})
