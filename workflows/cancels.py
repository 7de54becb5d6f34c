"""How a workflow recognises a cancel from outside the product (the runs console, the Temporal UI
or CLI), so it can record and announce it before it ends."""

import asyncio

from temporalio import workflow
from temporalio.exceptions import is_cancelled_exception

with workflow.unsafe.imports_passed_through():
    from workflows import patches


def cancelled_from_outside(error: BaseException) -> bool:
    """A cancel reaches the workflow as asyncio's CancelledError while it waits on a timer or a
    condition, but as the activity's cancellation (an ActivityError) while an activity is pending.
    Runs started before 2026-11-26 ended at once, unrecorded, on the latter: replaying them must too."""
    if isinstance(error, asyncio.CancelledError):
        return True
    return is_cancelled_exception(error) and workflow.patched(patches.CANCEL_DURING_ACTIVITY.id)
