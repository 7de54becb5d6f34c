"""Inspecting every run the product starts (campaigns, weekly-session series, notice deliveries)."""

from datetime import datetime

from fastapi import APIRouter, status

from api.deps import AdminUser, PageDep, SessionDep, StaffUser, TemporalDep
from contracts.directory import Page, Role
from contracts.runs import CancelRun, RawEvent, RunDetail, RunSummary, TimelineEntry
from models import User
from services import runs, timeline
from contracts.errors import NotFound

router = APIRouter(prefix="/runs", tags=["runs"])


def _visible_to(user: User) -> str | None:
    """Staff see the runs they started; admins see all."""
    return None if user.role == Role.admin else user.username


async def _ensure_visible(temporal, workflow_id: str, user: User) -> None:
    owner = _visible_to(user)
    if owner is not None and await runs.started_by(temporal, workflow_id) != owner:
        raise NotFound("运行 (run)", workflow_id)


@router.get("", response_model=Page[RunSummary])
async def list_runs(
    temporal: TemporalDep,
    user: StaffUser,
    paging: PageDep,
    kind: str | None = None,
    status: str | None = None,
    phase: str | None = None,
    cluster_id: str | None = None,
    subject: str | None = None,
    started_after: datetime | None = None,
    started_before: datetime | None = None,
):
    """Staff (their own runs), admin (all): runs from Temporal visibility, newest first.
    `status`: Running, Completed, Failed, Canceled, Terminated, ContinuedAsNew, TimedOut."""
    filters = runs.RunFilters(kind=kind, status=status, phase=phase, cluster_id=cluster_id, subject=subject,
                              started_after=started_after, started_before=started_before,
                              started_by=_visible_to(user))  # fmt: skip
    items, total = await runs.list_runs(temporal, filters=filters, offset=paging.offset, limit=paging.limit)
    return Page(items=items, total=total, offset=paging.offset, limit=paging.limit)


@router.get("/{workflow_id}", response_model=RunDetail)
async def read_run(workflow_id: str, temporal: TemporalDep, user: StaffUser):
    """Staff (their own runs), admin: status, phase, next timer, pending activities with attempts."""
    detail = await runs.run_detail(temporal, workflow_id)
    if _visible_to(user) not in (None, detail.started_by):
        raise NotFound("运行 (run)", workflow_id)
    return detail


@router.get("/{workflow_id}/timeline", response_model=list[TimelineEntry])
async def read_timeline(workflow_id: str, temporal: TemporalDep, session: SessionDep, user: StaffUser):
    """Staff (their own runs), admin: what happened, in order, across every continue-as-new run."""
    await _ensure_visible(temporal, workflow_id, user)
    return await timeline.timeline(temporal, session, workflow_id)


@router.get("/{workflow_id}/events", response_model=Page[RawEvent])
async def read_events(workflow_id: str, temporal: TemporalDep, user: StaffUser, paging: PageDep):
    """Staff (their own runs), admin: the raw Temporal history events of all runs, paged."""
    await _ensure_visible(temporal, workflow_id, user)
    items, total = await runs.raw_events(temporal, workflow_id, offset=paging.offset, limit=paging.limit)
    return Page(items=items, total=total, offset=paging.offset, limit=paging.limit)


@router.post("/{workflow_id}/cancel", status_code=status.HTTP_202_ACCEPTED)
async def cancel_run(workflow_id: str, body: CancelRun, temporal: TemporalDep, user: AdminUser) -> dict:
    """Admin: ask a stuck or unwanted run to cancel, with a reason (kept in its history and the audit trail)."""
    await runs.cancel_run(temporal, workflow_id, reason=body.reason, identity=f"admin:{user.username}")
    return {"workflow_id": workflow_id, "status": "cancel_requested"}
