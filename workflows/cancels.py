"""How a workflow recognises a cancel from outside the product (the runs console, the Temporal UI
or CLI), so it can record and announce it before it ends."""

import asyncio

from temporalio import workflow
from temporalio.exceptions import is_cancelled_exception

# Runs of the release before this patch ended at once, unrecorded, when the cancel came while an
# activity was scheduled or running; replaying them must take that path again.
CANCEL_DURING_ACTIVITY_PATCH = "cancel-during-activity"


def cancelled_from_outside(error: BaseException) -> bool:
    """A cancel reaches the workflow as asyncio's CancelledError while it waits on a timer or a
    condition, but as the activity's cancellation (an ActivityError) while an activity is pending."""
    if isinstance(error, asyncio.CancelledError):
        return True
    return is_cancelled_exception(error) and workflow.patched(CANCEL_DURING_ACTIVITY_PATCH)
