"""Steering a run with a human decision (an Update), the same way for every programme: the Update is
accepted first (it is then in the run's history, so it is kept), then awaited for STEER_WAIT. A
refusal by the run's validator becomes the same domain error as any other (409 naming the current
state, 422 naming the field); a run held up by a failing step answers 202 (StillRunning)."""

from datetime import timedelta
from typing import Any

from temporalio.client import (
    Client, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, WorkflowUpdateStage,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from contracts.errors import REFUSED_INVALID, REFUSED_WRONG_PHASE, Conflict, InvalidField, StillRunning

# How long a request waits for the run to carry out an Update it accepted. A run held up by a
# failing step (shown as stalled) would otherwise keep the request open until the cause is gone.
STEER_WAIT = timedelta(seconds=20)


async def steer(client: Client, workflow_id: str, update: Any, *args: Any, ended: Conflict,
                current: dict[str, Any] | None = None) -> Any:
    """`ended`: the 409 when the run is gone (completed or cancelled). `current`: what a refusal's 409
    names of the record, on top of what the run's validator said."""
    handle = client.get_workflow_handle(workflow_id)
    try:
        accepted = await handle.start_update(update, *args, wait_for_stage=WorkflowUpdateStage.ACCEPTED)
        return await accepted.result(rpc_timeout=STEER_WAIT)
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        raise StillRunning(workflow_id=workflow_id) from None
    except WorkflowUpdateFailedError as failed:
        cause = failed.cause
        if isinstance(cause, ApplicationError) and cause.type in (REFUSED_WRONG_PHASE, REFUSED_INVALID):
            details = cause.details[0] if cause.details else {}
            if cause.type == REFUSED_INVALID:
                raise InvalidField(details.get("field", "body"), cause.message) from None
            raise Conflict(cause.message, **(details | (current or {}))) from None
        raise
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            raise ended from None
        raise
