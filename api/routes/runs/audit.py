"""The audit trail of every write (admin)."""

from datetime import datetime

from fastapi import APIRouter

from actions.directory import actions as directory_actions
from api.deps import ContextDep, PageDep
from contracts.directory.api import Page, Role
from contracts.limits import Id
from contracts.runs.api import AuditEntryOut

router = APIRouter(prefix="/audit", tags=["runs"])


@router.get("", response_model=Page[AuditEntryOut])
async def list_audit_entries(
    ctx: ContextDep,
    paging: PageDep,
    actor_user_id: Id | None = None,
    actor_role: Role | None = None,
    subject_type: str | None = None,
    subject_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
):
    """Admin: every write made through the API, newest first."""
    return await directory_actions.list_audit_entries(
        ctx, actor_user_id=actor_user_id, actor_role=actor_role, subject_type=subject_type, subject_id=subject_id,
        since=since, until=until, offset=paging.offset, limit=paging.limit,
    )
