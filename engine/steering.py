"""Steering a run with a human decision (an Update), the same way for every programme: the Update is
accepted first (it is then in the run's history, so it is kept), then awaited for STEER_WAIT. A
refusal by the run's validator becomes the same domain error as any other (409 naming the current
state, 422 naming the field); a run held up by a failing step answers 202 (StillRunning). A run whose
own workflow task has just failed (timed out on a loaded worker: Temporal retries it) cannot take an
Update until a retry succeeds; the Update is offered again for up to STEER_WAIT, then answered 503,
as is a Temporal that does not answer: never a bare 500."""

import asyncio

from datetime import timedelta
from typing import Any

from temporalio.client import (
    Client, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, WorkflowUpdateStage,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from contracts.errors import REFUSED_INVALID, REFUSED_WRONG_PHASE, Conflict, InvalidField, StillRunning, Unavailable

# How long a request waits for the run to carry out an Update it accepted. A run held up by a
# failing step (shown as stalled) would otherwise keep the request open until the cause is gone.
STEER_WAIT = timedelta(seconds=20)
FIRST_RETRY, LONGEST_RETRY = 0.25, 2.0  # seconds between offers of an Update a run was not ready for
BUSY = "运行暂时无法接收该操作，请稍后再试 (the run cannot take this decision right now; try again shortly)"


async def steer(client: Client, workflow_id: str, update: Any, *args: Any, ended: Conflict,
                current: dict[str, Any] | None = None) -> Any:
    """`ended`: the 409 when the run is gone (completed or cancelled). `current`: what a refusal's 409
    names of the record, on top of what the run's validator said."""
    handle = client.get_workflow_handle(workflow_id)
    try:
        accepted = await _accepted(handle, update, *args)
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
        if error.status in (RPCStatusCode.FAILED_PRECONDITION, RPCStatusCode.UNAVAILABLE):
            raise Unavailable(BUSY) from None
        raise


async def _accepted(handle, update: Any, *args: Any):
    """The Update, accepted; offered again while the run's workflow task is failing (not ready)."""
    waited, pause = 0.0, FIRST_RETRY
    while True:
        try:
            return await handle.start_update(update, *args, wait_for_stage=WorkflowUpdateStage.ACCEPTED)
        except RPCError as error:
            if error.status != RPCStatusCode.FAILED_PRECONDITION or waited + pause > STEER_WAIT.total_seconds():
                raise
        await asyncio.sleep(pause)
        waited, pause = waited + pause, min(2 * pause, LONGEST_RETRY)
