"""Starting a series' workflow and telling it about changes (the API's side of Temporal)."""

import logging

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.service import RPCError

from config import Settings
from contracts.search_attributes import CLUSTER_IDS, PHASE, RUN_KIND, SERIES_ID, STARTED_BY, TERM
from contracts.series import SeriesRunInput
from models import Series, User
from services.series import Change, initial_cursor
from workflows.series import SeriesWorkflow

log = logging.getLogger(__name__)


async def start_series_run(client: Client, *, settings: Settings, series: Series, actor: User) -> None:
    attributes = [
        SearchAttributePair(RUN_KIND, "series"), SearchAttributePair(SERIES_ID, str(series.id)),
        SearchAttributePair(CLUSTER_IDS, [str(series.cluster_id)]), SearchAttributePair(PHASE, series.status),
        SearchAttributePair(STARTED_BY, actor.username),
    ]
    if series.term:
        attributes.append(SearchAttributePair(TERM, series.term))
    await client.start_workflow(
        SeriesWorkflow.run,
        SeriesRunInput(series_id=series.id, cursor=initial_cursor(series)),
        id=series.workflow_id,
        task_queue=settings.temporal_task_queue,
        search_attributes=TypedSearchAttributes(attributes),
    )


async def send_change(client: Client, change: Change) -> bool:
    """Hand a stored change to the running workflow. The database already holds it, so a
    workflow that is gone (the term is over) or unreachable only costs the notices: log it."""
    try:
        await client.get_workflow_handle(change.series.workflow_id).execute_update(
            SeriesWorkflow.apply_change, change.for_workflow()
        )
        return True
    except (RPCError, WorkflowUpdateFailedError) as exc:
        log.warning("series %s: change %s not delivered to its workflow: %s", change.series.id, change.row.id, exc)
        return False
