"""Mentor pairs (青蓝工程): a programme per alliance and school year, its pairs, what the two log
together, their stage forms and staff's verdicts. The database holds all of it; a pair's workflow
only keeps time."""

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from contracts import workflow_ids
from contracts.mentoring.api import LogKind
from contracts.mentoring.history import PairStatus, Side, Verdict
from models.base import Base, TimestampMixin, utcnow


class MentoringProgramme(TimestampMixin, Base):
    __tablename__ = "mentoring_programmes"
    __table_args__ = (UniqueConstraint("cluster_id", "school_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id"), index=True)
    school_year: Mapped[str] = mapped_column(String(9))  # 2026-2027
    title: Mapped[str] = mapped_column(String(200))
    stage_dates: Mapped[list[str]] = mapped_column(JSON, default=list)  # ISO local dates, in order
    monthly_log_quota: Mapped[int] = mapped_column(default=0)  # 0: no quota
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class MentoringPair(TimestampMixin, Base):
    __tablename__ = "mentoring_pairs"
    # A mentee has one mentor in a programme: the key the Excel import finds a pair by.
    __table_args__ = (UniqueConstraint("programme_id", "mentee_teacher_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("mentoring_programmes.id"), index=True)
    mentor_teacher_id: Mapped[int] = mapped_column(ForeignKey("teachers.id"), index=True)
    # The mentor staff replaced last: a replacement's notice names her, also when its activity runs twice.
    previous_mentor_teacher_id: Mapped[int | None] = mapped_column(ForeignKey("teachers.id"))
    mentee_teacher_id: Mapped[int] = mapped_column(ForeignKey("teachers.id"), index=True)
    subject: Mapped[str] = mapped_column(String(30))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    goals: Mapped[str] = mapped_column(Text, default="")  # 培养任务和目标
    status: Mapped[PairStatus] = mapped_column(String(16), default=PairStatus.active, index=True)
    current_stage: Mapped[int] = mapped_column(default=1)
    ended_reason: Mapped[str] = mapped_column(String(500), default="")
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @property
    def workflow_id(self) -> str:
        return workflow_ids.mentoring_pair(self.id)


class MentoringLog(Base):
    """What the two did together (听课, 评课, 示范课, 集体备课, 指导), logged by one side and
    confirmed by the other."""

    __tablename__ = "mentoring_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("mentoring_pairs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[LogKind] = mapped_column(String(16))
    happened_on: Mapped[date]
    note: Mapped[str] = mapped_column(String(500))
    side: Mapped[Side] = mapped_column(String(8))  # who logged it
    author_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    confirmed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class MentoringStageForm(Base):
    """One side's form for one stage (阶段考评表)."""

    __tablename__ = "mentoring_stage_forms"
    __table_args__ = (UniqueConstraint("pair_id", "stage", "side"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("mentoring_pairs.id", ondelete="CASCADE"), index=True)
    stage: Mapped[int]
    side: Mapped[Side] = mapped_column(String(8))
    summary: Mapped[str] = mapped_column(Text)
    next_goals: Mapped[str] = mapped_column(Text, default="")
    submitted_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime]


class MentoringVerdict(Base):
    """Staff's verdict on a stage; one that is not 合格 waits for the pair's improvement plan,
    then the stage is assessed again (a new row)."""

    __tablename__ = "mentoring_verdicts"
    __table_args__ = (UniqueConstraint("pair_id", "stage", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("mentoring_pairs.id", ondelete="CASCADE"), index=True)
    stage: Mapped[int]
    round: Mapped[int] = mapped_column(default=1)  # the stage's assessment: 1, then 2 after a plan...
    verdict: Mapped[Verdict] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime]
    improvement_plan: Mapped[str] = mapped_column(Text, default="")
    plan_filed_at: Mapped[datetime | None]
