"""Inspecting and cancelling the runs the product starts (campaigns, weekly-session series, notice
deliveries). Research staff and admins read every run, as every staff member reads every campaign
(actions/campaigns/actions.py); teachers read none; only admins cancel one."""

from dataclasses import dataclass
from datetime import datetime

from actions.context import Context
from actions.policy import require_admin, require_staff
from contracts.directory.api import Page
from contracts.errors import InvalidField
from contracts.runs.api import (
    RUNS_MAX_OFFSET, PatchStatus, RunDetail, RunKind, RunStallOut, RunStatus, RunSummary, TimelineEntry,
)
from engine import runs, timeline
from services.runs import stalls as run_stalls
from workflows import patches


async def list_runs(
    ctx: Context, *, kind: RunKind | None = None, status: RunStatus | None = None, phase: str | None = None,
    cluster_id: int | None = None, subject: str | None = None, started_after: datetime | None = None,
    started_before: datetime | None = None, offset: int, limit: int,
) -> Page:
    """Staff, admin: from Temporal visibility, newest first."""
    require_staff(ctx.user)
    if offset > RUNS_MAX_OFFSET:
        raise InvalidField("offset", f"运行列表最多翻到第 {RUNS_MAX_OFFSET} 条，更早的请按开始时间筛选 "
                                     f"(offset at most {RUNS_MAX_OFFSET}; filter by started_before for older runs)")
    filters = runs.RunFilters(kind=kind, status=status, phase=phase, cluster_id=cluster_id, subject=subject,
                              started_after=started_after, started_before=started_before)
    items, total = await runs.list_runs(ctx.temporal, filters=filters, offset=offset, limit=limit)
    return Page(items=await _with_stalls(ctx, items), total=total, offset=offset, limit=limit)


async def patch_statuses(ctx: Context) -> list[PatchStatus]:
    """Admin: every patch the workflows carry, and whether an open run started before its release
    still needs it."""
    require_admin(ctx.user)
    return await runs.patch_statuses(ctx.temporal, patches.ALL)


async def read_run(ctx: Context, *, workflow_id: str) -> RunDetail:
    """Staff, admin: status, phase, next timer, pending activities, a stall."""
    require_staff(ctx.user)
    detail = await runs.run_detail(ctx.temporal, workflow_id)
    (detail,) = await _with_stalls(ctx, [detail])
    return detail


async def _with_stalls(ctx: Context, items: list[RunSummary]) -> list[RunSummary]:
    """Runs still running with a step that keeps failing are marked stalled (the worker records it)."""
    stalls = await run_stalls.stalls_of(ctx.session, [item.workflow_id for item in items])
    return [item.model_copy(update={"stalled": RunStallOut.model_validate(stalls[item.workflow_id])})
            if item.workflow_id in stalls and item.status == "RUNNING" else item for item in items]


async def read_timeline(ctx: Context, *, workflow_id: str, offset: int = 0, limit: int) -> list[TimelineEntry]:
    """A page of the timeline, oldest first."""
    require_staff(ctx.user)
    return await timeline.timeline(ctx.temporal, ctx.session, workflow_id, offset=offset, limit=limit)


CONSOLE_TIMELINE_ENTRIES = 200


@dataclass(frozen=True)
class RunView:
    run: RunDetail
    entries: list[TimelineEntry]


async def run_view(ctx: Context, *, workflow_id: str) -> RunView:
    """The console's page of one run: its state and the first page of its timeline."""
    run = await read_run(ctx, workflow_id=workflow_id)
    entries = await timeline.timeline(ctx.temporal, ctx.session, workflow_id, limit=CONSOLE_TIMELINE_ENTRIES)
    return RunView(run=run, entries=entries)


async def raw_events(ctx: Context, *, workflow_id: str, offset: int, limit: int) -> Page:
    require_staff(ctx.user)
    items, total = await runs.raw_events(ctx.temporal, workflow_id, offset=offset, limit=limit)
    return Page(items=items, total=total, offset=offset, limit=limit)


async def cancel_run(ctx: Context, *, workflow_id: str, reason: str) -> None:
    """Admin: ask the run to cancel; the reason stays in its history (and the audit trail)."""
    require_admin(ctx.user)
    await runs.cancel_run(ctx.temporal, workflow_id, reason=reason, identity=f"admin:{ctx.user.username}")
