"""A tour's run as seen from the client: start it (once), hand it the schedule changes the database
holds, and carry staff's decision to end it (an Update: a refusal is a 409 naming the status)."""

import logging

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.service import RPCError

from config import Settings
from contracts.errors import Conflict
from contracts.search_attributes import PHASE, RUN_KIND, STARTED_BY
from contracts.tours.history import TourChange, TourEnd, TourRunInput
from engine.starts import start_once
from engine.steering import steer
from models import Tour
from services.tours.service import initial_cursor
from workflows.tour import TourWorkflow

log = logging.getLogger(__name__)


async def start(client: Client, *, settings: Settings, tour: Tour, started_by: str) -> bool:
    """Start the tour's run unless it has one (engine/starts.py). Raises NotStarted when Temporal did not take it."""
    attributes = TypedSearchAttributes([SearchAttributePair(RUN_KIND, "tour"), SearchAttributePair(PHASE, tour.status),
                                        SearchAttributePair(STARTED_BY, started_by)])
    run_input = TourRunInput(tour_id=tour.id, cursor=initial_cursor(tour))
    return await start_once(client, TourWorkflow.run, run_input, workflow_id=tour.workflow_id, settings=settings,
                            search_attributes=attributes)


async def send_change(client: Client, *, tour: Tour, change: TourChange) -> bool:
    """Hand a stored change to the running workflow; a run this does not reach takes it at its next step."""
    try:
        await client.get_workflow_handle(tour.workflow_id).execute_update(TourWorkflow.apply_change, change)
        return True
    except (RPCError, WorkflowUpdateFailedError) as exc:
        log.warning("tour %s: change %s not delivered to its workflow: %s", tour.id, change.change_id, exc)
        return False


async def end(client: Client, *, tour: Tour, request: TourEnd) -> str:
    return await steer(client, tour.workflow_id, TourWorkflow.end_tour, request,
                       ended=Conflict(f"送教活动已结束 (tour is {tour.status})", status=tour.status))
