"""The evaluation round's one activity: do what is due now (services/evaluation/flow.py) and say
when to look again. One transaction; running it twice finds its own earlier effect."""

from temporalio import activity

from config import Settings
from contracts.evaluation.history import AdvanceRound, RoundStep
from db import SessionFactory
from services.evaluation import flow


class EvaluationActivities:
    def __init__(self, session_factory: SessionFactory, settings: Settings) -> None:
        self.session_factory = session_factory
        self.settings = settings

    @activity.defn
    async def advance_round(self, request: AdvanceRound) -> RoundStep:
        async with self.session_factory() as session:
            step = await flow.advance(session, round_id=request.round_id, now=request.now, tz=self.settings.tz)
            await session.commit()
        return step
