"""One mentor pair's school year (青蓝工程): workflow id `mentoring-pair-{id}`, one run per stage.

The workflow keeps time and nothing else: it waits for the stage's next step (a monthly log check,
the form reminder, the escalations to the school contact and then to staff), asks an activity to
do it and sends what it returns; logs and forms are written by the teachers straight to the
database, which the steps read. Once the stage's steps are past it waits for staff's verdict.

Staff decisions are Updates with validators (a verdict, a new mentor, an extension, an early end);
each handler marks itself before its first await, and its activity refuses what the database's
rules forbid (forms missing, no such teacher). A verdict of 合格 continues as new into the next
stage (bounded histories); the last one completes the pair; an early end stops every reminder."""

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError, is_cancelled_exception

with workflow.unsafe.imports_passed_through():
    from activities.mentoring import MentoringActivities
    from contracts.errors import REFUSED_INVALID, REFUSED_WRONG_PHASE
    from contracts.mentoring.history import (
        DecisionInput, DecisionResult, EndRequest, ExtendRequest, PairRunInput, PairState, PairStatus, PlanRequest,
        PlanResult, ReplaceMentorRequest, StepRequest, VerdictRequest,
    )
    from contracts.runs.history import CANCELLED_FROM_OUTSIDE
    from contracts.search_attributes import PHASE
    from workflows import steps
    from workflows.notify import notify

ACTIVITY = steps.options()


def _refused(message: str, field: str = "") -> ApplicationError:
    if field:
        return ApplicationError(message, {"field": field}, type=REFUSED_INVALID, non_retryable=True)
    return ApplicationError(message, {}, type=REFUSED_WRONG_PHASE, non_retryable=True)


@workflow.defn
class MentoringPairWorkflow:
    @workflow.init
    def __init__(self, start: PairRunInput) -> None:
        self.pair_id = start.pair_id
        self.stage = start.stage
        self.replan = False  # a decision changed the plan (a new mentor, an extension)
        self.next_stage: int | None = None  # a verdict of 合格 opened this stage
        self.finished: PairStatus | None = None  # ended early or completed
        self.deciding = False

    @workflow.run
    async def run(self, start: PairRunInput) -> str:
        try:
            return await self._run(start)
        except (asyncio.CancelledError, ActivityError) as error:
            # A cancel from the runs console or Temporal's UI (asyncio's while waiting, the activity's
            # while one is pending): the pair ends as if staff had ended it, and both sides hear so.
            if not (isinstance(error, asyncio.CancelledError) or is_cancelled_exception(error)):
                raise
            await self._decide(end=EndRequest(reason=CANCELLED_FROM_OUTSIDE))
            raise

    async def _run(self, start: PairRunInput) -> str:
        workflow.upsert_search_attributes([PHASE.value_set(f"stage{self.stage}")])
        after = start.after or workflow.now()
        announce = start.after is None and start.run_number == 1
        while not self._moved_on():
            plan: PlanResult = await workflow.execute_activity_method(
                MentoringActivities.plan_pair_step,
                PlanRequest(pair_id=self.pair_id, stage=self.stage, after=after, announce=announce), **ACTIVITY)
            announce = False
            for notice in plan.notices:
                await notify(notice)
            if plan.status != PairStatus.active:
                self.finished = plan.status
                break
            if await self._interrupted_before(plan):
                self.replan = False
                continue
            notices = await workflow.execute_activity_method(
                MentoringActivities.run_pair_step, StepRequest(pair_id=self.pair_id, step=plan.next_step), **ACTIVITY)
            for notice in notices:
                await notify(notice)
            after = plan.next_step.due_at
        await workflow.wait_condition(workflow.all_handlers_finished)
        if self.finished is None:
            workflow.continue_as_new(PairRunInput(pair_id=self.pair_id, stage=self.next_stage, after=workflow.now(),
                                                  run_number=start.run_number + 1))
        workflow.upsert_search_attributes([PHASE.value_set(self.finished)])
        return self.finished

    def _moved_on(self) -> bool:
        return self.finished is not None or self.next_stage is not None

    async def _interrupted_before(self, plan: PlanResult) -> bool:
        """Wait for the next step (for the verdict, with none left); True if a decision came first."""
        interrupted = lambda: self.replan or self._moved_on()  # noqa: E731
        if plan.next_step is None:
            await workflow.wait_condition(interrupted)
            return True
        wait = plan.next_step.due_at - workflow.now()
        if wait <= timedelta(0):
            return interrupted()
        try:
            await workflow.wait_condition(interrupted, timeout=wait)
        except TimeoutError:
            return False
        return True

    # ---- staff decisions ----

    async def _decide(self, **decision) -> PairState:
        self.deciding = True
        try:
            result: DecisionResult = await workflow.execute_activity_method(
                MentoringActivities.decide_pair, DecisionInput(pair_id=self.pair_id, at=workflow.now(), **decision),
                **ACTIVITY)
        finally:
            self.deciding = False
        if result.refused:
            raise _refused(result.refused, result.refused_field)
        for notice in result.notices:
            await notify(notice)
        if result.status != PairStatus.active:
            self.finished = result.status
        elif result.stage != self.stage:
            self.next_stage = result.stage
        else:
            self.replan = True
        return PairState(pair_id=self.pair_id, status=result.status, stage=result.stage)

    def _require_open(self) -> None:
        if self._moved_on():
            raise _refused(f"第 {self.stage} 阶段已结束 (stage {self.stage} is over)")
        if self.deciding:
            raise _refused("另一项决定正在处理，请稍后刷新 (another decision is being applied)")

    @workflow.update
    async def decide_stage(self, request: VerdictRequest) -> PairState:
        return await self._decide(verdict=request)

    @decide_stage.validator
    def _validate_verdict(self, request: VerdictRequest) -> None:
        self._require_open()
        if request.stage != self.stage:
            raise _refused(f"当前是第 {self.stage} 阶段 (stage {self.stage} is open)")

    @workflow.update
    async def replace_mentor(self, request: ReplaceMentorRequest) -> PairState:
        return await self._decide(replace_mentor=request)

    @replace_mentor.validator
    def _validate_replace(self, request: ReplaceMentorRequest) -> None:
        self._require_open()

    @workflow.update
    async def extend(self, request: ExtendRequest) -> PairState:
        return await self._decide(extend=request)

    @extend.validator
    def _validate_extend(self, request: ExtendRequest) -> None:
        self._require_open()
        if request.ends_on <= workflow.now().date():
            raise _refused("延期后的结束日期须晚于今天 (ends_on after today)", "ends_on")

    @workflow.update
    async def end(self, request: EndRequest) -> PairState:
        return await self._decide(end=request)

    @end.validator
    def _validate_end(self, request: EndRequest) -> None:
        self._require_open()
