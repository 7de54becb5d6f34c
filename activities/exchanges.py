"""The exchange workflow's activities (do the step that is due and plan the next; a postponement;
the assessment) and the quota checkpoints'. Each is one transaction that finds its own earlier
effect: a step already done, dates already moved, an assessment already recorded send nothing new."""

from datetime import timedelta

from temporalio import activity

from config import Settings
from contracts.exchanges.history import (
    AdvanceInput, AssessInput, CancelInput, ChangeDone, CheckpointDue, CheckpointInput, CheckpointResult, PostponeInput, StepResult,
)
from contracts.notifications.notices import ExchangeAssessed, ExchangeCancelled, ExchangePostponed
from db import SessionFactory
from services.exchanges import quotas, steps
from services.exchanges import service as exchanges
from services.exchanges.notices import ExchangePeople

# A checkpoint the run reaches this late (started long after it, or held up) is passed over in silence.
CHECKPOINT_LATENESS = timedelta(days=7)


class ExchangeActivities:
    def __init__(self, session_factory: SessionFactory, settings: Settings) -> None:
        self.session_factory = session_factory
        self.settings = settings

    def all(self) -> list:
        return [self.advance_exchange, self.postpone_exchange, self.assess_exchange, self.cancel_exchange,
                self.quota_checkpoint]

    @activity.defn
    async def advance_exchange(self, request: AdvanceInput) -> StepResult:
        async with self.session_factory() as session:
            exchange = await exchanges.get_exchange(session, request.exchange_id)
            notices = []
            if request.run is not None:
                notices = await steps.run_step(session, exchange=exchange, step=request.run, settings=self.settings,
                                               at=request.at)
            result = await steps.plan_next(session, exchange=exchange, settings=self.settings)
            await session.commit()
        return result.model_copy(update={"notices": notices})

    @activity.defn
    async def postpone_exchange(self, request: PostponeInput) -> ChangeDone:
        async with self.session_factory() as session:
            exchange = await exchanges.get_exchange(session, request.exchange_id)
            previous_start = request.request.previous_start or exchange.planned_start
            await exchanges.postpone(session, exchange=exchange, request=request.request)
            people = await ExchangePeople.of(session, exchange)
            notice = people.notice(ExchangePostponed, f"postponed:{exchange.planned_start.isoformat()}",
                                   people.ids("teacher", "home", "host"), previous_start=previous_start,
                                   reason=request.request.reason)
            await session.commit()
        return ChangeDone(notices=[notice] if notice else [], state=exchanges.state_of(exchange))

    @activity.defn
    async def assess_exchange(self, request: AssessInput) -> ChangeDone:
        async with self.session_factory() as session:
            exchange = await exchanges.get_exchange(session, request.exchange_id)
            await exchanges.record_assessment(session, exchange=exchange, request=request.request, now=request.at)
            people = await ExchangePeople.of(session, exchange)
            notice = people.notice(
                ExchangeAssessed, "assessed", people.ids("teacher"), teaching_results=exchange.teaching_results,
                local_influence=exchange.local_influence, collaboration=exchange.collaboration,
                outcome=str(exchange.outcome), comment=exchange.assessment_comment)
            await session.commit()
        return ChangeDone(notices=[notice] if notice else [], state=exchanges.state_of(exchange))

    @activity.defn
    async def cancel_exchange(self, request: CancelInput) -> ChangeDone:
        async with self.session_factory() as session:
            exchange = await exchanges.get_exchange(session, request.exchange_id)
            await exchanges.cancel(session, exchange=exchange)
            people = await ExchangePeople.of(session, exchange)
            notice = people.notice(ExchangeCancelled, "cancelled", people.ids("teacher", "home", "host"),
                                   reason=request.request.reason)
            await session.commit()
        return ChangeDone(notices=[notice] if notice else [], state=exchanges.state_of(exchange))

    @activity.defn
    async def quota_checkpoint(self, request: CheckpointInput) -> CheckpointResult:
        notices, done = [], list(request.done)
        async with self.session_factory() as session:
            if request.run is not None:
                day = quotas.school_year(request.year, self.settings).checkpoints[request.run]
                today = request.at.astimezone(self.settings.tz).date()
                if today - day <= CHECKPOINT_LATENESS:
                    notices = await quotas.checkpoint_notices(session, year=request.year, checkpoint=request.run,
                                                              today=today, settings=self.settings)
                done.append(request.run)
        upcoming = quotas.next_checkpoint(request.year, self.settings, done=done)
        if upcoming is None:
            return CheckpointResult(notices=notices)
        checkpoint, day = upcoming
        return CheckpointResult(notices=notices, next=CheckpointDue(
            checkpoint=checkpoint, due_at=exchanges.at_notice_time(day, self.settings.tz)))
