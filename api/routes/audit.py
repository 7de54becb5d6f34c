from datetime import datetime

from fastapi import APIRouter
from sqlalchemy import select

from api.deps import AdminUser, PageDep, SessionDep
from contracts.directory import Page, Role
from contracts.runs import AuditEntryOut
from models import AuditEntry
from services import directory

router = APIRouter(prefix="/audit", tags=["runs"])


@router.get("", response_model=Page[AuditEntryOut])
async def list_audit_entries(
    session: SessionDep,
    _: AdminUser,
    paging: PageDep,
    actor_user_id: int | None = None,
    actor_role: Role | None = None,
    subject_type: str | None = None,
    subject_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
):
    """Admin: every write made through the API, newest first."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc())
    for column, value in [(AuditEntry.actor_user_id, actor_user_id), (AuditEntry.actor_role, actor_role),
                          (AuditEntry.subject_type, subject_type), (AuditEntry.subject_id, subject_id)]:
        if value is not None:
            stmt = stmt.where(column == value)
    if since is not None:
        stmt = stmt.where(AuditEntry.at >= since)
    if until is not None:
        stmt = stmt.where(AuditEntry.at < until)
    items, total = await directory.page(session, stmt=stmt, offset=paging.offset, limit=paging.limit)
    return Page(items=items, total=total, offset=paging.offset, limit=paging.limit)
