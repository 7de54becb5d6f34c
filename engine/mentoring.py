"""A mentor pair's run as seen from the client: start it (once), and steer it with staff's Updates.
A refused Update becomes the same domain error as any other (409 with the state, 422 naming the
field)."""

from datetime import timedelta
from typing import Any

from temporalio.client import (
    Client, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, WorkflowUpdateStage,
)
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from config import Settings
from contracts import search_attributes as sa
from contracts.errors import REFUSED_INVALID, REFUSED_WRONG_PHASE, Conflict, InvalidField, StillRunning
from contracts.mentoring.history import (
    EndRequest, ExtendRequest, PairRunInput, PairState, ReplaceMentorRequest, VerdictRequest,
)
from engine.starts import start_once
from models import MentoringPair
from workflows.mentoring import MentoringPairWorkflow

# How long a staff request waits for the run to carry out its Update (as a campaign's): a run held
# up by a failing step answers 202 after it, and the decision takes effect when the cause is gone.
STEER_WAIT = timedelta(seconds=20)


async def start(client: Client, *, settings: Settings, pair: MentoringPair, cluster_id: int, started_by: str) -> bool:
    """Start the pair's run unless it has one (engine/starts.py): True if this call started it.
    Raises NotStarted when Temporal did not take it."""
    attributes = TypedSearchAttributes([
        SearchAttributePair(sa.RUN_KIND, "mentoring"), SearchAttributePair(sa.CLUSTER_IDS, [str(cluster_id)]),
        SearchAttributePair(sa.SUBJECT, pair.subject), SearchAttributePair(sa.PHASE, f"stage{pair.current_stage}"),
        SearchAttributePair(sa.STARTED_BY, started_by),
    ])
    return await start_once(client, MentoringPairWorkflow.run, PairRunInput(pair_id=pair.id),
                            workflow_id=pair.workflow_id, settings=settings, search_attributes=attributes)


async def _steer(client: Client, pair: MentoringPair, update: Any, arg: Any) -> PairState:
    handle = client.get_workflow_handle(pair.workflow_id)
    try:
        accepted = await handle.start_update(update, arg, wait_for_stage=WorkflowUpdateStage.ACCEPTED)
        return await accepted.result(rpc_timeout=STEER_WAIT)
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        raise StillRunning(workflow_id=pair.workflow_id) from None
    except WorkflowUpdateFailedError as failed:
        cause = failed.cause
        if isinstance(cause, ApplicationError) and cause.type in (REFUSED_WRONG_PHASE, REFUSED_INVALID):
            details = cause.details[0] if cause.details else {}
            if cause.type == REFUSED_INVALID:
                raise InvalidField(details.get("field", "body"), cause.message) from None
            raise Conflict(cause.message, status=pair.status, current_stage=pair.current_stage) from None
        raise
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:  # its run has ended (completed or ended early)
            raise Conflict(f"结对已结束 (the pair's run has ended: {pair.status})", status=pair.status) from None
        raise


async def decide_stage(client: Client, pair: MentoringPair, request: VerdictRequest) -> PairState:
    return await _steer(client, pair, MentoringPairWorkflow.decide_stage, request)


async def replace_mentor(client: Client, pair: MentoringPair, request: ReplaceMentorRequest) -> PairState:
    return await _steer(client, pair, MentoringPairWorkflow.replace_mentor, request)


async def extend(client: Client, pair: MentoringPair, request: ExtendRequest) -> PairState:
    return await _steer(client, pair, MentoringPairWorkflow.extend, request)


async def end(client: Client, pair: MentoringPair, request: EndRequest) -> PairState:
    return await _steer(client, pair, MentoringPairWorkflow.end, request)
