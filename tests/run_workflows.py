"""A small workflow shaped like the product's (search attributes, phases, timers, an update,
continue-as-new) for the run-inspection tests. Its own module: the sandbox re-imports it."""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import SearchAttributePair, TypedSearchAttributes

with workflow.unsafe.imports_passed_through():
    from contracts.search_attributes import CLUSTER_IDS, PHASE, RUN_KIND, STARTED_BY, SUBJECT


def start_attributes(*, cluster_id: str, started_by: str) -> TypedSearchAttributes:
    return TypedSearchAttributes([
        SearchAttributePair(RUN_KIND, "campaign"), SearchAttributePair(PHASE, "collect_topics"),
        SearchAttributePair(CLUSTER_IDS, [cluster_id]), SearchAttributePair(SUBJECT, "数学"),
        SearchAttributePair(STARTED_BY, started_by),
    ])  # fmt: skip


@workflow.defn
class PhasedWorkflow:
    def __init__(self) -> None:
        self.closed = False

    @workflow.run
    async def run(self, generation: int) -> str:
        if generation == 0:
            await workflow.sleep(timedelta(milliseconds=10))
            workflow.continue_as_new(1)
        workflow.upsert_search_attributes([PHASE.value_set("train")])
        await workflow.wait_condition(lambda: self.closed, timeout=timedelta(days=14))
        workflow.upsert_search_attributes([PHASE.value_set("design_plan")])
        return "done"

    @workflow.update
    async def close_phase(self) -> None:
        self.closed = True
