from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from contracts.directory.api import Role
from models.base import Base, utcnow


class AuditEntry(Base):
    """Who changed what, when, through which endpoint: one row per successful write request,
    written before the answer leaves (api/audit.py)."""

    __tablename__ = "audit_entries"
    # A run's timeline reads each subject's rows in time order, a page at a time.
    __table_args__ = (Index("ix_audit_entries_subject_at", "subject_type", "subject_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    actor_name: Mapped[str] = mapped_column(String(100))
    actor_role: Mapped[Role] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(8))
    route: Mapped[str] = mapped_column(String(200))  # the route template, e.g. /api/v1/campaigns/{campaign_id}
    path: Mapped[str] = mapped_column(String(500))
    status_code: Mapped[int]
    # What was done, in the words of the route's own label (its `summary`), e.g. "提交教学问题":
    # the run timeline shows it. Rows from before migration 0012 were labelled there, or have none.
    action: Mapped[str | None] = mapped_column(String(100))
    # The resource the request is about: the first path parameter and the segment before it,
    # e.g. ("campaigns", "7"); how the run timeline finds the actions on a run.
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[str | None] = mapped_column(String(100))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
