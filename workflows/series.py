"""One term series of weekly joint sessions (联片教研 · 周周有约): workflow id `series-{id}`.

The workflow keeps time and nothing else: it waits for the next due step of the series (an
announcement, a reminder, the end of a check-in window, a minutes deadline), asks the activity
to do it and to plan the next one, and sends the notices it gets back. Sessions, participants,
check-ins and minutes live in the database, so the only state carried from run to run is the
cursor (how far the timeline has got) and changes not yet announced.

Changes stored by the API arrive as the `apply_change` Update: the workflow sends their notices
and re-plans. A change whose Update never arrived (Temporal unreachable then) is found stored by
the next step's activity and taken the same way. History stays bounded: continue-as-new every STEPS_PER_RUN steps (about two
sessions) or earlier if the history grows (many changes) or the server suggests it."""

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.series import SeriesActivities
    from contracts.search_attributes import PHASE
    from contracts.series.history import (
        AdvanceInput, Cursor, EndAfterCancel, SeriesChange, SeriesRunInput, Step, StepResult,
    )
    from workflows import patches, steps
    from workflows.cancels import cancelled_from_outside
    from workflows.notify import notify

STEPS_PER_RUN = 12
HISTORY_EVENTS_PER_RUN = 2_000  # far below Temporal's 51,200
FINISH_GRACE = timedelta(minutes=1)  # how long runs started before 2026-11-26 wait before finishing


@workflow.defn
class SeriesWorkflow:
    @workflow.init
    def __init__(self, start: SeriesRunInput) -> None:
        self.pending: list[SeriesChange] = []
        self.seen_changes: set[int] = set(start.seen_changes)
        self.phase = ""

    @workflow.update
    def apply_change(self, change: SeriesChange) -> None:
        """The API stored a change (pause, resume, end, skip, reschedule, edit, participants)."""
        self._take(change)

    def _take(self, change: SeriesChange) -> None:
        """Once per change, whether it came as the Update or was found stored by a step."""
        if change.change_id not in self.seen_changes:
            self.seen_changes.add(change.change_id)
            self.pending.append(change)

    @workflow.run
    async def run(self, start: SeriesRunInput) -> str:
        try:
            return await self._run(start)
        except (asyncio.CancelledError, ActivityError) as error:
            if not cancelled_from_outside(error):
                raise
            # End the series in the database and tell its participants, as an organiser's "end" would.
            notices = await workflow.execute_activity_method(
                SeriesActivities.end_after_cancel, EndAfterCancel(series_id=start.series_id, at=workflow.now()),
                **steps.options(),
            )
            for notice in notices:
                await notify(notice)
            raise

    async def _run(self, start: SeriesRunInput) -> str:
        self.pending.extend(start.pending)
        cursor: Cursor = start.cursor
        steps_run = 0
        result = await self._advance(AdvanceInput(series_id=start.series_id, after=cursor))
        while True:
            if self.pending:
                await self._announce_changes()
                # Planned before the change may have been stored: plan again.
                result = await self._advance(AdvanceInput(series_id=start.series_id, after=cursor))
                continue
            if result.finished:
                if not workflow.patched(patches.SERIES_FINISH_AT_ONCE.id):
                    await workflow.sleep(FINISH_GRACE)
                return result.series_status
            if await self._changed_before(result.next_step):
                continue
            cursor = Cursor(**result.next_step.model_dump(include={"due_at", "session_id", "order"}))
            result = await self._advance(AdvanceInput(series_id=start.series_id, after=cursor, run=result.next_step))
            steps_run += 1
            notices_first = workflow.patched(patches.SERIES_NOTICES_BEFORE_CONTINUING.id)
            if notices_first:
                for notice in result.notices:
                    await notify(notice)
            if self._time_to_continue(steps_run) and not result.finished:
                await workflow.wait_condition(workflow.all_handlers_finished)
                # Runs started before 2026-11-26 carried the step's notices into the next run instead.
                carried = [] if notices_first else [SeriesChange(change_id=0, action="step", notices=result.notices)]
                workflow.continue_as_new(SeriesRunInput(
                    series_id=start.series_id, cursor=cursor, pending=[*carried, *self.pending],
                    seen_changes=sorted(self.seen_changes), run_number=start.run_number + 1,
                ))
            if not notices_first:
                for notice in result.notices:
                    await notify(notice)

    async def _advance(self, request: AdvanceInput) -> StepResult:
        result = await workflow.execute_activity_method(
            SeriesActivities.advance_series, request.model_copy(update={"seen_changes": sorted(self.seen_changes)}),
            **steps.options(),
        )
        for change in result.unsent_changes:
            self._take(change)
        if result.series_status != self.phase:
            self.phase = result.series_status
            workflow.upsert_search_attributes([PHASE.value_set(self.phase)])
        return result

    async def _changed_before(self, step: Step | None) -> bool:
        """Wait for the step's due time (forever while paused with nothing due); True if a change came first."""
        timeout = None if step is None else max(step.due_at - workflow.now(), timedelta(0))
        if timeout == timedelta(0):
            return bool(self.pending)
        try:
            await workflow.wait_condition(lambda: bool(self.pending), timeout=timeout)
        except TimeoutError:
            return False
        return True

    async def _announce_changes(self) -> None:
        while self.pending:
            for notice in self.pending[0].notices:
                await notify(notice)
            self.pending.pop(0)

    def _time_to_continue(self, steps_run: int) -> bool:
        info = workflow.info()
        return (
            steps_run >= STEPS_PER_RUN
            or info.get_current_history_length() >= HISTORY_EVENTS_PER_RUN
            or info.is_continue_as_new_suggested()
        )
