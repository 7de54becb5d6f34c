"""A series' run as seen from the client: start it (once), and hand it the changes the database holds."""

import logging

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.service import RPCError

from config import Settings
from contracts.search_attributes import CLUSTER_IDS, PHASE, RUN_KIND, SERIES_ID, STARTED_BY, TERM
from contracts.series.history import SeriesChange, SeriesRunInput
from engine.starts import start_once
from models import Series
from services.series.service import initial_cursor
from workflows.series import SeriesWorkflow

log = logging.getLogger(__name__)


async def start(client: Client, *, settings: Settings, series: Series, started_by: str) -> bool:
    """Start the series' run from its creation unless it has one (engine/starts.py): True if this
    call started it. Raises NotStarted when Temporal did not take it."""
    attributes = [
        SearchAttributePair(RUN_KIND, "series"), SearchAttributePair(SERIES_ID, str(series.id)),
        SearchAttributePair(CLUSTER_IDS, [str(series.cluster_id)]), SearchAttributePair(PHASE, series.status),
        SearchAttributePair(STARTED_BY, started_by),
    ]
    if series.term:
        attributes.append(SearchAttributePair(TERM, series.term))
    run_input = SeriesRunInput(series_id=series.id, cursor=initial_cursor(series))
    return await start_once(client, SeriesWorkflow.run, run_input, workflow_id=series.workflow_id, settings=settings,
                            search_attributes=TypedSearchAttributes(attributes))


async def send_change(client: Client, *, series: Series, change: SeriesChange) -> bool:
    """Hand a stored change to the running workflow. The database already holds it with what
    the run must be told, so a run this does not reach takes it at its next step."""
    try:
        await client.get_workflow_handle(series.workflow_id).execute_update(SeriesWorkflow.apply_change, change)
        return True
    except (RPCError, WorkflowUpdateFailedError) as exc:
        log.warning("series %s: change %s not delivered to its workflow: %s", series.id, change.change_id, exc)
        return False
