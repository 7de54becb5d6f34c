"""A mentor pair's workflow I/O: plan the stage's next step, run a due step, write a staff decision.
Each is one transaction through services/mentoring/, safe to run twice."""

from temporalio import activity

from config import Settings
from contracts.mentoring.history import DecisionInput, DecisionResult, PlanRequest, PlanResult, StepRequest
from contracts.notifications.history import NotifyRequest
from db import SessionFactory
from models import MentoringPair, MentoringProgramme
from services.mentoring import flow, schedule
from services.mentoring.service import people_of


class MentoringActivities:
    def __init__(self, session_factory: SessionFactory, settings: Settings) -> None:
        self.session_factory = session_factory
        self.settings = settings

    @activity.defn
    async def plan_pair_step(self, request: PlanRequest) -> PlanResult:
        async with self.session_factory() as session:
            result = await schedule.plan_next(
                session, pair_id=request.pair_id, stage=request.stage, after=request.after, tz=self.settings.tz,
                reminder_days=self.settings.mentoring_form_reminder_days,
                escalate_days=self.settings.mentoring_escalate_after_days)
            if request.announce:
                pair = await session.get(MentoringPair, request.pair_id)
                programme = await session.get(MentoringProgramme, pair.programme_id)
                started = flow.started_notice(pair, programme, await people_of(session, pair))
                result.notices = [started] if started else []
        return result

    @activity.defn
    async def run_pair_step(self, request: StepRequest) -> list[NotifyRequest]:
        async with self.session_factory() as session:
            return await schedule.run_step(session, pair_id=request.pair_id, step=request.step, tz=self.settings.tz)

    @activity.defn
    async def decide_pair(self, decision: DecisionInput) -> DecisionResult:
        async with self.session_factory() as session:
            result = await flow.decide(session, decision=decision)
            await session.commit()
        return result

    def all(self) -> list:
        return [self.plan_pair_step, self.run_pair_step, self.decide_pair]
