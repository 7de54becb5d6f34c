"""The alliance evaluation (教联体考评): scheme versions, rounds, their values (figures, scores and
the records behind each), schools' reviews, and the anonymous survey."""

from datetime import date, datetime

from sqlalchemy import JSON, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from contracts import workflow_ids
from contracts.evaluation.history import RoundStage
from models.base import Base, utcnow


class EvaluationScheme(Base):
    """One version of the scheme; editing writes the next version, rounds keep theirs."""

    __tablename__ = "evaluation_schemes"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    definition: Mapped[dict] = mapped_column(JSON)  # contracts.evaluation.scheme.Scheme
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EvaluationRound(Base):
    __tablename__ = "evaluation_rounds"
    __table_args__ = (UniqueConstraint("cluster_id", "term"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id"), index=True)
    term: Mapped[str] = mapped_column(String(32), index=True)
    term_start: Mapped[date]
    term_end: Mapped[date]
    scheme_id: Mapped[int] = mapped_column(ForeignKey("evaluation_schemes.id"))
    stage: Mapped[RoundStage] = mapped_column(String(16), default=RoundStage.collecting, index=True)
    collect_until: Mapped[datetime]  # the end of the term's last day
    review_until: Mapped[datetime]
    reminder_days: Mapped[list[int]] = mapped_column(JSON, default=list)
    reminders_sent: Mapped[int] = mapped_column(default=0)
    refreshed_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def workflow_id(self) -> str:
        return workflow_ids.evaluation_round(self.id)


class EvaluationValue(Base):
    """One indicator at one level (school_id None: the alliance), with the records that earned it.
    Written by the nightly refresh while collecting, never once the round is published."""

    __tablename__ = "evaluation_values"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("evaluation_rounds.id", ondelete="CASCADE"), index=True)
    indicator: Mapped[str] = mapped_column(String(40))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    value: Mapped[float | None] = mapped_column(Float)
    target: Mapped[float] = mapped_column(Float)
    records: Mapped[list[str]] = mapped_column(JSON, default=list)  # "kind:id"
    score: Mapped[float | None] = mapped_column(Float)  # by the scheme's rule
    override_score: Mapped[float | None] = mapped_column(Float)
    override_reason: Mapped[str] = mapped_column(Text, default="")
    overridden_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    evidence: Mapped[str] = mapped_column(Text, default="")
    entered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]


class EvaluationReview(Base):
    """A member school's confirmation or dispute of its values, and staff's answer to a dispute.
    `*_notified_at`: the run has told staff (the dispute) or the school (the answer)."""

    __tablename__ = "evaluation_reviews"
    __table_args__ = (UniqueConstraint("round_id", "school_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("evaluation_rounds.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending|confirmed|disputed|answered
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None]
    dispute_notified_at: Mapped[datetime | None]
    answer_notified_at: Mapped[datetime | None]


class SurveyInvitation(Base):
    """Who was asked, and whether they answered: never which answer is theirs (no time is kept)."""

    __tablename__ = "evaluation_survey_invitations"

    round_id: Mapped[int] = mapped_column(ForeignKey("evaluation_rounds.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    answered: Mapped[bool] = mapped_column(default=False)


class SurveyResponse(Base):
    """An answer with nothing that names its author: no user, no school, no time."""

    __tablename__ = "evaluation_survey_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("evaluation_rounds.id", ondelete="CASCADE"), index=True)
    partners: Mapped[int]
    activities: Mapped[int]
    feedback: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
