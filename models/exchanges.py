"""Teacher exchanges (交流轮岗): one row per exchange agreement, with its dates, the return report
and the assessment. The database holds the state; the workflow only keeps time."""

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from contracts import workflow_ids
from contracts.exchanges.history import ExchangeKind, ExchangeStatus, Outcome
from models.base import Base, TimestampMixin


class Exchange(TimestampMixin, Base):
    __tablename__ = "exchanges"

    id: Mapped[int] = mapped_column(primary_key=True)
    # What makes a row of an import the same exchange again: the teacher, the host and the planned
    # start as first agreed (a postponement keeps it).
    import_key: Mapped[str] = mapped_column(String(120), unique=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("teachers.id"), index=True)
    home_school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    host_school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    kind: Mapped[ExchangeKind] = mapped_column(String(16))
    weekday: Mapped[int | None]  # 兼职副校长: the day of the week resident at the host school
    planned_start: Mapped[date]
    planned_end: Mapped[date]
    actual_start: Mapped[date | None]
    actual_end: Mapped[date | None]  # the first day back at the home school
    duties: Mapped[str] = mapped_column(Text, default="")
    selection_criteria: Mapped[str] = mapped_column(Text, default="")
    assessment_mechanism: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ExchangeStatus] = mapped_column(String(16), default=ExchangeStatus.planned, index=True)
    # The steps of its timeline already done (services/exchanges/steps.py), e.g. "announce:2027-03-01".
    steps_done: Mapped[list[str]] = mapped_column(JSON, default=list)
    report: Mapped[str | None] = mapped_column(Text)
    report_submitted_at: Mapped[datetime | None]
    teaching_results: Mapped[str | None] = mapped_column(String(8))
    local_influence: Mapped[str | None] = mapped_column(String(8))
    collaboration: Mapped[str | None] = mapped_column(String(8))
    outcome: Mapped[Outcome | None] = mapped_column(String(8))
    assessment_comment: Mapped[str | None] = mapped_column(Text)
    assessed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assessed_at: Mapped[datetime | None]
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @property
    def workflow_id(self) -> str:
        return workflow_ids.exchange(self.id)
