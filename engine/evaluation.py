"""A round's run as seen from the client: start it (once), and nudge it after a stored decision."""

import logging

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.service import RPCError

from config import Settings
from contracts.evaluation.history import RoundRunInput
from contracts.search_attributes import CLUSTER_IDS, PHASE, RUN_KIND, STARTED_BY, TERM
from engine.starts import start_once
from models import EvaluationRound
from workflows.evaluation import EvaluationRoundWorkflow

log = logging.getLogger(__name__)


async def start(client: Client, *, settings: Settings, round_: EvaluationRound, started_by: str) -> bool:
    """True if this call started the run; raises NotStarted when Temporal did not take it."""
    attributes = TypedSearchAttributes([
        SearchAttributePair(RUN_KIND, "evaluation"), SearchAttributePair(CLUSTER_IDS, [str(round_.cluster_id)]),
        SearchAttributePair(PHASE, round_.stage), SearchAttributePair(STARTED_BY, started_by),
        SearchAttributePair(TERM, round_.term),
    ])
    return await start_once(client, EvaluationRoundWorkflow.run, RoundRunInput(round_id=round_.id),
                            workflow_id=round_.workflow_id, settings=settings, search_attributes=attributes)


async def nudge(client: Client, *, round_: EvaluationRound) -> bool:
    """Tell the run a decision is stored. The database holds it, so a run this does not reach
    takes it at its next wake (at most a day away)."""
    try:
        await client.get_workflow_handle(round_.workflow_id).execute_update(EvaluationRoundWorkflow.nudge)
        return True
    except (RPCError, WorkflowUpdateFailedError) as exc:
        log.warning("evaluation round %s: nudge not delivered: %s", round_.id, exc)
        return False
