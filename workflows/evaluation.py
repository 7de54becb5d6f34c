"""One alliance's evaluation round for one term (教联体考评): workflow id `evaluation-round-{id}`.

The workflow keeps time and nothing else: the round's stage, values, reviews and entries live in
the database. It asks the activity to do what is due (nightly refresh while collecting; opening the
review when the term ends; reminders; escalation when the review closes; telling staff of a dispute
and the school of the answer; the publication notice), sends the notices it gets back, and sleeps
until the time the activity names or until the API nudges it after storing a decision (decision 1,
third row: the database first, then the run is told; a lost nudge is caught at the next wake).
History stays bounded: continue-as-new at every stage change and every STEPS_PER_RUN steps."""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.evaluation import EvaluationActivities
    from contracts.evaluation.history import AdvanceRound, RoundRunInput
    from contracts.search_attributes import PHASE
    from workflows import steps
    from workflows.notify import notify

STEPS_PER_RUN = 40  # a term of nightly refreshes is about 130 steps


@workflow.defn
class EvaluationRoundWorkflow:
    @workflow.init
    def __init__(self, start: RoundRunInput) -> None:
        self.nudged = False

    @workflow.update
    def nudge(self) -> None:
        """The API stored a decision (a dispute, an answer, publishing): look now."""
        self.nudged = True

    @workflow.run
    async def run(self, start: RoundRunInput) -> str:
        steps_taken = 0
        while True:
            self.nudged = False
            step = await workflow.execute_activity_method(
                EvaluationActivities.advance_round, AdvanceRound(round_id=start.round_id, now=workflow.now()),
                **steps.options(start_to_close=timedelta(minutes=5)),
            )
            steps_taken += 1
            workflow.upsert_search_attributes([PHASE.value_set(step.stage)])
            for notice in step.notices:
                await notify(notice)
            if step.finished:
                return step.stage
            if step.stage_changed or steps_taken >= STEPS_PER_RUN or workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(RoundRunInput(round_id=start.round_id, run_number=start.run_number + 1))
            timeout = None if step.wake_at is None else max(step.wake_at - workflow.now(), timedelta(0))
            try:
                await workflow.wait_condition(lambda: self.nudged, timeout=timeout)
            except TimeoutError:
                pass
