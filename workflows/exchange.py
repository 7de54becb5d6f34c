"""One teacher exchange (交流轮岗): workflow id `exchange-{id}`; and each school year's quota
checkpoints: `exchange-quotas-{year}`.

The exchange's run keeps time and nothing else: it waits for the next step of the exchange's
timeline (services/exchanges/steps.py: computed from the dates the database holds), has the
activity do it and plan the next, and sends the notices it gets back. Staff decisions are Updates
with validators: `postpone` (only before the start, only later), `assess` (only once back; the
activity refuses it while the report is missing). A change of actual dates is stored by the API
first and then `replan` wakes the run. History stays bounded: continue-as-new every STEPS_PER_RUN
steps, or sooner if the server suggests it; an exchange has about six steps.

The quota checkpoints are a workflow of two timers per school year rather than a Schedule: the
two days are derived from the settings each time (halfway, six weeks before the end), the
time-skipping test server runs it (it has no Schedules), its history holds a few events, and its
id per year makes starting it twice harmless (the reconciler sees that each year has one)."""

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.exchanges import ExchangeActivities
    from contracts.errors import REFUSED_INVALID, REFUSED_WRONG_PHASE
    from contracts.exchanges.history import (
        NOT_STARTED, AdvanceInput, AssessInput, AssessRequest, CancelInput, CancelRequest, ChangeDone, CheckpointInput, ExchangeRunInput,
        ExchangeState, ExchangeStatus, PostponeInput, CheckpointResult, PostponeRequest, QuotaRunInput, StepResult,
    )
    from contracts.search_attributes import PHASE
    from workflows import steps
    from workflows.notify import notify
    from workflows.timers import sleep_until

STEPS_PER_RUN = 4
DONE = (ExchangeStatus.assessed, ExchangeStatus.cancelled)


def _wrong_phase(message: str, status: ExchangeStatus | None) -> ApplicationError:
    return ApplicationError(message, {"status": status.value if status else None}, type=REFUSED_WRONG_PHASE,
                            non_retryable=True)


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, {"field": field}, type=REFUSED_INVALID, non_retryable=True)


@workflow.defn
class ExchangeWorkflow:
    @workflow.init
    def __init__(self, start: ExchangeRunInput) -> None:
        self.exchange_id = start.exchange_id
        self.state: ExchangeState | None = None
        self.replan_wanted = False
        self.deciding = False  # a postponement or an assessment being applied: a second waits its turn (409)

    @workflow.update
    async def replan(self) -> None:
        """The API stored new actual dates (or a report): plan again from the database."""
        self.replan_wanted = True

    @replan.validator
    def _validate_replan(self) -> None:
        if self.state is not None and self.state.status in DONE:
            raise _wrong_phase("交流已结束 (the exchange is over)", self.state.status)

    @workflow.update
    async def postpone(self, request: PostponeRequest) -> ExchangeState:
        """Staff move the start later: the reminders move with it."""
        await self._read(self._validate_postpone, request)
        request = request.model_copy(update={"previous_start": self.state.planned_start})
        done = await self._change(ExchangeActivities.postpone_exchange,
                                  PostponeInput(exchange_id=self.exchange_id, request=request, at=workflow.now()))
        return done.state

    @postpone.validator
    def _validate_postpone(self, request: PostponeRequest) -> None:
        self._not_deciding()
        if self.state is None:
            return  # not read yet: the handler checks once it is
        if self.state.status not in NOT_STARTED:
            raise _wrong_phase("交流已开始或已结束，不能推迟 (only an exchange not yet begun can be postponed)",
                               self.state.status)
        if request.new_start <= self.state.planned_start:
            raise _invalid("new_start", "推迟后的开始日期须晚于原定日期 (the new start must be later)")
        if request.new_end is not None and request.new_end <= request.new_start:
            raise _invalid("new_end", "结束日期须晚于开始日期 (the end must be after the start)")

    @workflow.update
    async def assess(self, request: AssessRequest) -> ExchangeState:
        """Staff assess the teacher's return on the three points."""
        await self._read(self._validate_assess, request)
        done = await self._change(ExchangeActivities.assess_exchange,
                                  AssessInput(exchange_id=self.exchange_id, request=request, at=workflow.now()))
        return done.state

    @assess.validator
    def _validate_assess(self, request: AssessRequest) -> None:
        self._not_deciding()
        if self.state is None:
            return  # not read yet: the handler checks once it is
        if self.state.status in (*NOT_STARTED, *DONE):
            raise _wrong_phase("交流尚未开始或已考核，不能考核 (only a returned exchange is assessed, once)",
                               self.state.status)

    @workflow.update
    async def cancel(self, request: CancelRequest) -> ExchangeState:
        """Staff call the exchange off: its people are told, its run ends."""
        await self._read(self._validate_cancel, request)
        done = await self._change(ExchangeActivities.cancel_exchange,
                                  CancelInput(exchange_id=self.exchange_id, request=request, at=workflow.now()))
        return done.state

    @cancel.validator
    def _validate_cancel(self, request: CancelRequest) -> None:
        self._not_deciding()
        if self.state is None:
            return  # not read yet: the handler checks once it is
        if self.state.status not in (ExchangeStatus.planned, ExchangeStatus.away):
            raise _wrong_phase("交流已结束，不能取消 (only an exchange not yet over can be cancelled)",
                               self.state.status)

    async def _read(self, validate, request) -> None:
        """A decision that came before the run first read its exchange (just started, or just
        continued as new) waits for it, then meets its validator's rule: a refusal fails the Update,
        the same 409."""
        if self.state is None:
            await workflow.wait_condition(lambda: self.state is not None)
            validate(request)

    def _not_deciding(self) -> None:
        if self.deciding:
            raise _wrong_phase("另一项决定正在处理，请稍后再试 (another decision is being applied)",
                               self.state.status if self.state else None)

    async def _change(self, activity, request) -> ChangeDone:
        self.deciding = True  # before the first await: a decision arriving meanwhile is refused
        try:
            done: ChangeDone = await workflow.execute_activity_method(
                activity, request, **steps.options())
            self._set_state(done.state)
        except ActivityError as error:
            refusal = error.cause
            if isinstance(refusal, ApplicationError) and refusal.type in ("Conflict", "InvalidField"):
                raise _wrong_phase(refusal.message, self.state.status) from None
            raise
        finally:
            self.deciding = False
        self.replan_wanted = True
        for notice in done.notices:
            await notify(notice)
        return done

    @workflow.run
    async def run(self, start: ExchangeRunInput) -> str:
        result = await self._advance(None)
        steps_run = 0
        while True:
            step = result.next_step
            if step is None and self.state.status in DONE:
                await workflow.wait_condition(workflow.all_handlers_finished)
                return self.state.status
            if await self._replanned_before(step):
                result = await self._advance(None)
                continue
            result = await self._advance(step)
            for notice in result.notices:
                await notify(notice)
            steps_run += 1
            if steps_run >= STEPS_PER_RUN or workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(ExchangeRunInput(exchange_id=start.exchange_id,
                                                          run_number=start.run_number + 1))

    async def _replanned_before(self, step) -> bool:
        """Wait for the step's time (forever with none); True if a change came first."""
        timeout = None if step is None else step.due_at - workflow.now()
        if timeout is not None and timeout <= timedelta(0):
            return self._take_replan()
        try:
            await workflow.wait_condition(lambda: self.replan_wanted, timeout=timeout)
        except TimeoutError:
            return False
        return self._take_replan()

    def _take_replan(self) -> bool:
        replan, self.replan_wanted = self.replan_wanted, False
        return replan

    async def _advance(self, step) -> StepResult:
        result: StepResult = await workflow.execute_activity_method(
            ExchangeActivities.advance_exchange, AdvanceInput(exchange_id=self.exchange_id, run=step, at=workflow.now()),
            **steps.options())
        self._set_state(result.state)
        return result

    def _set_state(self, state: ExchangeState) -> None:
        if self.state is None or state.status != self.state.status:
            workflow.upsert_search_attributes([PHASE.value_set(state.status.value)])
        self.state = state


@workflow.defn
class ExchangeQuotaWorkflow:
    """A school year's quota checkpoints: at each, the alliances that fall short hear it."""

    @workflow.run
    async def run(self, start: QuotaRunInput) -> str:
        done = list(start.done)
        result = await self._checkpoint(CheckpointInput(year=start.year, done=done, at=workflow.now()))
        while result.next is not None:
            checkpoint = result.next.checkpoint
            await sleep_until(result.next.due_at)
            result = await self._checkpoint(CheckpointInput(year=start.year, done=done, run=checkpoint,
                                                            at=workflow.now()))
            done.append(checkpoint)
            for notice in result.notices:
                await notify(notice)
        return "completed"

    async def _checkpoint(self, request: CheckpointInput) -> CheckpointResult:
        return await workflow.execute_activity_method(
            ExchangeActivities.quota_checkpoint, request, **steps.options(start_to_close=timedelta(minutes=5)))
