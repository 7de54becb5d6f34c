"""Runs list with filters and a run's timeline, for staff and admins (every run)."""

from typing import Literal

from fastapi import APIRouter, Request

from actions.runs import actions as run_actions
from console.auth import ConsoleContext
from console.render import page
from contracts.runs.api import Keyword, OptionalId, RunKind, RunStatus

router = APIRouter()


@router.get("/runs")
async def runs_list(request: Request, ctx: ConsoleContext, kind: RunKind | Literal[""] = "",
                    status: RunStatus | Literal[""] = "", phase: Keyword = "",
                    cluster_id: OptionalId = None, subject: Keyword = ""):
    listed = await run_actions.list_runs(ctx, kind=kind or None, status=status or None, phase=phase or None,
                                         cluster_id=cluster_id, subject=subject or None, offset=0, limit=100)
    values = {"kind": kind, "status": status, "phase": phase, "cluster_id": cluster_id or "", "subject": subject}
    return page(request, "runs.html", ctx.user, items=listed.items, total=listed.total, values=values,
                statuses=list(RunStatus))


@router.get("/runs/{workflow_id}")
async def run_timeline(request: Request, workflow_id: str, ctx: ConsoleContext):
    view = await run_actions.run_view(ctx, workflow_id=workflow_id)
    return page(request, "run.html", ctx.user, run=view.run, entries=view.entries)
