"""Inspecting every run the product starts (campaigns, weekly-session series, notice deliveries)."""

from fastapi import APIRouter, status

from actions.runs import actions as run_actions
from api.deps import ContextDep, PageDep
from contracts.directory.api import Page
from contracts.limits import Moment
from contracts.runs.api import (
    CancelRun, Keyword, OptionalId, PatchStatus, RawEvent, RunDetail, RunKind, RunStatus, RunSummary, TimelineEntry,
)

router = APIRouter(prefix="/runs", tags=["runs"])


@router.get("", response_model=Page[RunSummary])
async def list_runs(
    ctx: ContextDep,
    paging: PageDep,
    kind: RunKind | None = None,
    status: RunStatus | None = None,
    phase: Keyword | None = None,
    cluster_id: OptionalId = None,
    subject: Keyword | None = None,
    started_after: Moment | None = None,
    started_before: Moment | None = None,
):
    """Staff, admin (every run): runs from Temporal visibility, newest first.
    `status`: Running, Completed, Failed, Canceled, Terminated, ContinuedAsNew, TimedOut.
    `offset` up to 1000 (older runs: `started_before`); 503 while the visibility store is out."""
    return await run_actions.list_runs(
        ctx, kind=kind, status=status, phase=phase, cluster_id=cluster_id, subject=subject,
        started_after=started_after, started_before=started_before, offset=paging.offset, limit=paging.limit,
    )


# Before /{workflow_id}: "patches" is no workflow id.
@router.get("/patches", response_model=list[PatchStatus])
async def patch_statuses(ctx: ContextDep):
    """Admin: every patch the workflows carry (workflows/patches.py): its release, the change it
    guards, how many open runs of its workflow types started before that release, and whether it is
    `retirable` (none: its old branch can go). `make patches` prints the same."""
    return await run_actions.patch_statuses(ctx)


@router.get("/{workflow_id}", response_model=RunDetail)
async def read_run(workflow_id: str, ctx: ContextDep):
    """Staff, admin: status, phase, next timer, pending activities with attempts."""
    return await run_actions.read_run(ctx, workflow_id=workflow_id)


@router.get("/{workflow_id}/timeline", response_model=list[TimelineEntry])
async def read_timeline(workflow_id: str, ctx: ContextDep, paging: PageDep):
    """Staff, admin: what happened, in order, across every continue-as-new run;
    a page at a time (`offset`, `limit`)."""
    return await run_actions.read_timeline(ctx, workflow_id=workflow_id, offset=paging.offset, limit=paging.limit)


@router.get("/{workflow_id}/events", response_model=Page[RawEvent])
async def read_events(workflow_id: str, ctx: ContextDep, paging: PageDep):
    """Staff, admin: the raw Temporal history events of all runs, paged."""
    return await run_actions.raw_events(ctx, workflow_id=workflow_id, offset=paging.offset, limit=paging.limit)


@router.post("/{workflow_id}/cancel", status_code=status.HTTP_202_ACCEPTED, summary="取消运行")
async def cancel_run(workflow_id: str, body: CancelRun, ctx: ContextDep) -> dict:
    """Admin: ask a stuck or unwanted run to cancel, with a reason (kept in its history and the audit trail)."""
    await run_actions.cancel_run(ctx, workflow_id=workflow_id, reason=body.reason)
    return {"workflow_id": workflow_id, "status": "cancel_requested"}
