"""A series' run as seen from the client: start it, and hand it the changes the database holds."""

import logging

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.service import RPCError

from config import Settings
from contracts.search_attributes import CLUSTER_IDS, PHASE, RUN_KIND, SERIES_ID, STARTED_BY, TERM
from contracts.series.history import SeriesChange, SeriesRunInput
from models import Series
from workflows.series import SeriesWorkflow

log = logging.getLogger(__name__)


async def start(client: Client, *, settings: Settings, series: Series, run_input: SeriesRunInput,
                started_by: str) -> None:
    attributes = [
        SearchAttributePair(RUN_KIND, "series"), SearchAttributePair(SERIES_ID, str(series.id)),
        SearchAttributePair(CLUSTER_IDS, [str(series.cluster_id)]), SearchAttributePair(PHASE, series.status),
        SearchAttributePair(STARTED_BY, started_by),
    ]
    if series.term:
        attributes.append(SearchAttributePair(TERM, series.term))
    await client.start_workflow(
        SeriesWorkflow.run, run_input, id=series.workflow_id, task_queue=settings.temporal_task_queue,
        search_attributes=TypedSearchAttributes(attributes),
    )


async def send_change(client: Client, *, series: Series, change: SeriesChange) -> bool:
    """Hand a stored change to the running workflow. The database already holds it with what
    the run must be told, so a run this does not reach takes it at its next step."""
    try:
        await client.get_workflow_handle(series.workflow_id).execute_update(SeriesWorkflow.apply_change, change)
        return True
    except (RPCError, WorkflowUpdateFailedError) as exc:
        log.warning("series %s: change %s not delivered to its workflow: %s", series.id, change.change_id, exc)
        return False
