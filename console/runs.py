"""Runs list with filters and a run's timeline, for staff (their own runs) and admins."""

from fastapi import APIRouter, Request

from api.deps import SessionDep, TemporalDep
from api.routes.runs import _visible_to
from console.auth import ConsoleUser, require
from console.render import page
from contracts.directory import Role
from services import runs, timeline
from contracts.errors import NotFound

router = APIRouter()

STATUSES = ["Running", "Completed", "Failed", "Canceled", "Terminated", "ContinuedAsNew", "TimedOut"]


@router.get("/runs")
async def runs_list(request: Request, user: ConsoleUser, temporal: TemporalDep, kind: str = "", status: str = "",
                    phase: str = "", cluster_id: str = "", subject: str = ""):
    require(user, Role.staff, Role.admin)
    filters = runs.RunFilters(kind=kind or None, status=status or None, phase=phase or None,
                              cluster_id=cluster_id or None, subject=subject or None, started_by=_visible_to(user))
    items, total = await runs.list_runs(temporal, filters=filters, offset=0, limit=100)
    values = {"kind": kind, "status": status, "phase": phase, "cluster_id": cluster_id, "subject": subject}
    return page(request, "runs.html", user, items=items, total=total, values=values, statuses=STATUSES)


@router.get("/runs/{workflow_id}")
async def run_timeline(request: Request, workflow_id: str, user: ConsoleUser, temporal: TemporalDep,
                       session: SessionDep):
    require(user, Role.staff, Role.admin)
    detail = await runs.run_detail(temporal, workflow_id)
    if _visible_to(user) not in (None, detail.started_by):
        raise NotFound("运行 (run)", workflow_id)
    entries = await timeline.timeline(temporal, session, workflow_id)
    return page(request, "run.html", user, run=detail, entries=entries)
