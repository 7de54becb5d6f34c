"""One tour of touring lessons (送教下乡 · 巡回送教): workflow id `tour-{id}`.

The workflow keeps time: it waits for the next due step of the tour's stops (an announcement, the
checklist reminder, the end of check-in, the host school's feedback request and its chases), asks
the activity to do it and plan the next, and sends the notices it gets back. Stops, checklists,
check-ins and feedback live in the database.

Schedule changes stored by the API (a stop rescheduled or called off) arrive as the `apply_change`
Update; one whose Update never arrived is found stored by the next step. Staff end a tour early with
the `end_tour` Update (its validator refuses a tour already ending or ended: 409). History stays
bounded: continue-as-new every STEPS_PER_RUN steps (about two stops) or when the server suggests it."""

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.tours import TourActivities
    from contracts.errors import REFUSED_WRONG_PHASE
    from contracts.search_attributes import PHASE
    from contracts.tours.history import (
        StopCursor, StopStep, TourAdvance, TourChange, TourEnd, TourEndInput, TourRunInput, TourStatus, TourStepResult,
    )
    from workflows import steps
    from workflows.notify import notify

STEPS_PER_RUN = 12
HISTORY_EVENTS_PER_RUN = 2_000  # far below Temporal's 51,200


@workflow.defn
class TourWorkflow:
    @workflow.init
    def __init__(self, start: TourRunInput) -> None:
        self.tour_id = start.tour_id
        self.pending: list[TourChange] = []
        self.seen_changes: set[int] = set(start.seen_changes)
        self.status = TourStatus.active.value
        self.ending = False
        self.replan = False
        self.phase = ""  # the Phase search attribute as last set

    @workflow.update
    def apply_change(self, change: TourChange) -> None:
        """The API stored a change to a stop (rescheduled, called off)."""
        self._take(change)

    @workflow.update
    async def end_tour(self, end: TourEnd) -> str:
        """Staff end the tour early: the stops ahead are called off and their people told."""
        self.ending = True  # marked before the first await: a second end is refused by the validator
        notices = await workflow.execute_activity_method(
            TourActivities.end_tour, TourEndInput(tour_id=self.tour_id, end=end),
            **steps.options(),
        )
        for notice in notices:
            await notify(notice)
        self.status, self.replan = TourStatus.ended.value, True
        return self.status

    @end_tour.validator
    def _may_end(self, end: TourEnd) -> None:
        if self.ending or self.status != TourStatus.active:
            raise ApplicationError(f"送教活动已结束或正在结束 (tour is {self.status})", {"status": self.status},
                                   type=REFUSED_WRONG_PHASE, non_retryable=True)

    def _take(self, change: TourChange) -> None:
        if change.change_id not in self.seen_changes:
            self.seen_changes.add(change.change_id)
            self.pending.append(change)

    @workflow.run
    async def run(self, start: TourRunInput) -> str:
        self.pending.extend(start.pending)
        cursor = start.cursor
        steps_run = 0
        result = await self._advance(TourAdvance(tour_id=start.tour_id, after=cursor))
        while True:
            if self.pending or self.replan:
                while self.pending:
                    for notice in self.pending.pop(0).notices:
                        await notify(notice)
                self.replan = False
                result = await self._advance(TourAdvance(tour_id=start.tour_id, after=cursor))
                continue
            if result.finished:
                await workflow.wait_condition(workflow.all_handlers_finished)
                return result.tour_status
            if await self._changed_before(result.next_step):
                continue
            cursor = StopCursor(**result.next_step.model_dump(include={"due_at", "stop_id", "order"}))
            result = await self._advance(TourAdvance(tour_id=start.tour_id, after=cursor, run=result.next_step))
            steps_run += 1
            for notice in result.notices:
                await notify(notice)
            if self._time_to_continue(steps_run) and not result.finished:
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(TourRunInput(
                    tour_id=start.tour_id, cursor=cursor, pending=self.pending,
                    seen_changes=sorted(self.seen_changes), run_number=start.run_number + 1,
                ))

    async def _advance(self, request: TourAdvance) -> TourStepResult:
        result = await workflow.execute_activity_method(
            TourActivities.advance_tour, request.model_copy(update={"seen_changes": sorted(self.seen_changes)}),
            **steps.options(),
        )
        for change in result.unsent_changes:
            self._take(change)
        if result.tour_status != self.status and not self.ending:
            self.status = result.tour_status
        if result.tour_status != self.phase:
            self.phase = result.tour_status
            workflow.upsert_search_attributes([PHASE.value_set(self.phase)])
        return result

    async def _changed_before(self, step: StopStep | None) -> bool:
        """Wait for the step's due time; True if a change or a decision came first."""
        timeout = None if step is None else max(step.due_at - workflow.now(), timedelta(0))
        if timeout == timedelta(0):
            return bool(self.pending or self.replan)
        try:
            await workflow.wait_condition(lambda: bool(self.pending or self.replan), timeout=timeout)
        except asyncio.TimeoutError:
            return False
        return True

    def _time_to_continue(self, steps_run: int) -> bool:
        info = workflow.info()
        return (steps_run >= STEPS_PER_RUN or info.get_current_history_length() >= HISTORY_EVENTS_PER_RUN
                or info.is_continue_as_new_suggested())
