from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class RunStall(Base):
    """An activity of a run that keeps failing (written by the worker's stall watch): the run is
    shown as stalled, with the last error, until the activity succeeds and the row is removed."""

    __tablename__ = "run_stalls"
    __table_args__ = (UniqueConstraint("workflow_id", "activity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workflow_id: Mapped[str] = mapped_column(String(200), index=True)
    run_id: Mapped[str] = mapped_column(String(64))
    activity_id: Mapped[str] = mapped_column(String(64))
    activity_type: Mapped[str] = mapped_column(String(100))
    attempt: Mapped[int]
    first_failed_at: Mapped[datetime]  # when the activity was first scheduled
    last_failed_at: Mapped[datetime]
    last_error: Mapped[str] = mapped_column(Text)
