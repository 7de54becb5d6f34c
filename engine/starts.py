"""Starting a record's run at most once, whoever asks: the request that created the record, right
after committing it, or the worker's reconciler (engine/reconcile.py) for a record left without one."""

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from temporalio.client import Client
from temporalio.common import TypedSearchAttributes, WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from config import Settings

log = logging.getLogger(__name__)

# How long a start may take before the request answers 202 (the record is kept and the reconciler
# starts the run): a server that hangs would otherwise hold the person's click for the client's
# retries (about 30 s measured). A start the server still carries out is found by the reconciler.
START_WAIT = timedelta(seconds=5)


class NotStarted(Exception):
    """Temporal did not take the start (unreachable, or it refused): the record stays stored, and
    the reconciler starts its run once Temporal answers."""


async def start_once(client: Client, run: Callable, arg: Any, *, workflow_id: str, settings: Settings,
                     search_attributes: TypedSearchAttributes) -> bool:
    """True if this call started the run; False if the run was there already."""
    try:
        await client.start_workflow(
            run, arg, id=workflow_id, task_queue=settings.temporal_task_queue, search_attributes=search_attributes,
            rpc_timeout=START_WAIT,
            # A running run holds its id (FAIL): the request and the reconciler may both start a
            # new record, and the second start is refused, which means the run is there. A run that
            # completed holds it too (FAILED_ONLY): a campaign or term that ran to its end never runs
            # again. One that ended without completing (terminated, failed) frees it, so a database
            # that numbers its records afresh against a server keeping old runs (a reset development
            # database, the tests' shared dev server) can start its own campaign-1; the reconciler
            # still never restarts such a run, as it only starts ids visibility has never seen.
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        )
    except WorkflowAlreadyStartedError:
        return False
    # RuntimeError: the first call of a lazily connected client (the API's) found no server.
    except (RPCError, RuntimeError) as exc:
        log.warning("%s not started, left to the reconciler: %s", workflow_id, exc)
        raise NotStarted(f"{workflow_id}: {exc}") from exc
    return True
