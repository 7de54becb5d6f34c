"""Order-style research campaigns (订单式教研). The workflow steers; these tables hold what
happened, with who and when, so the console and the runs/timeline API can read them directly."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from contracts.campaigns.api import CampaignStatus
from contracts.campaigns.history import Phase, PhaseStep, PlanStatus, TaskKind
from contracts.directory.api import GradeBand
from models.base import Base, TimestampMixin, utcnow


class Campaign(TimestampMixin, Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(String(50), index=True)
    grade_band: Mapped[GradeBand | None] = mapped_column(String(8))
    cluster_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    school_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    params: Mapped[dict] = mapped_column(JSON)  # contracts.campaigns.history.CampaignParams
    status: Mapped[CampaignStatus] = mapped_column(String(16), index=True, default=CampaignStatus.running)
    # The phase guard of every teacher action reads these two, written by the workflow's activity.
    phase: Mapped[Phase] = mapped_column(String(20), index=True, default=Phase.collect_topics)
    step: Mapped[PhaseStep] = mapped_column(String(10), default=PhaseStep.open)
    deadline: Mapped[datetime | None]
    workflow_id: Mapped[str] = mapped_column(String(100), default="")
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    cancelled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    report_html: Mapped[str | None] = mapped_column(Text)
    report_markdown: Mapped[str | None] = mapped_column(Text)
    report_rendered_at: Mapped[datetime | None]


class CampaignOrganiser(Base):
    """Research staff the campaign's creator added to steer it with her (协同组织者)."""

    __tablename__ = "campaign_organisers"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    added_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class CampaignPhase(Base):
    """One row per phase: planned deadline at launch, then when it really opened and closed."""

    __tablename__ = "campaign_phases"
    __table_args__ = (UniqueConstraint("campaign_id", "phase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    phase: Mapped[Phase] = mapped_column(String(20))
    position: Mapped[int]
    opened_at: Mapped[datetime | None]
    deadline: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closed_how: Mapped[str | None] = mapped_column(String(20))  # deadline | early | all_approved | cancelled
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CampaignMember(Base):
    """The scope, frozen at launch: who is asked to take part, where they teach."""

    __tablename__ = "campaign_members"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    # Indexed alone too: a teacher's campaigns are found by her user id.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("teachers.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id"))


class Problem(TimestampMixin, Base):
    """A teaching problem a teacher submitted (征集问题). Withdrawn ones stay, marked."""

    __tablename__ = "campaign_problems"
    __table_args__ = (Index("ix_campaign_problems_campaign_author", "campaign_id", "author_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    author_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    grade: Mapped[str] = mapped_column(String(30), default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    votes: Mapped[int] = mapped_column(default=0)  # kept in step with campaign_votes, for ranking
    withdrawn_at: Mapped[datetime | None]


class ProblemVector(Base):
    """A problem's sentence vector (services/sentence_vectors.py), computed once when the problem is
    submitted or edited, so closing a county's collection only compares stored vectors."""

    __tablename__ = "campaign_problem_vectors"

    problem_id: Mapped[int] = mapped_column(ForeignKey("campaign_problems.id", ondelete="CASCADE"), primary_key=True)
    model: Mapped[str] = mapped_column(String(40))  # which encoder wrote it: another one means encode again
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class Vote(Base):
    __tablename__ = "campaign_votes"

    problem_id: Mapped[int] = mapped_column(ForeignKey("campaign_problems.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_campaign_votes_campaign_user", "campaign_id", "user_id"),)


class ProblemSecond(Base):
    """A teacher seconds (附议) a problem instead of writing it again: her vote on it (a Vote row,
    within her budget) and, if she wrote one, her own words, shown to staff with the problem. Her
    seconding also counts her among the teachers concerned in the proposal's ranking."""

    __tablename__ = "campaign_problem_seconds"

    problem_id: Mapped[int] = mapped_column(ForeignKey("campaign_problems.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CampaignTheme(Base):
    """A theme the steering staff expect (a title and a line): the grouping proposes it for the
    problems close enough to it."""

    __tablename__ = "campaign_themes"
    __table_args__ = (UniqueConstraint("campaign_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    line: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TopicProposalRow(Base):
    """What the grouping proposed when collection closed, as staff have since shaped it (merged,
    moved, split) while deciding."""

    __tablename__ = "campaign_topic_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int]
    suggested_title: Mapped[str] = mapped_column(String(200))
    problem_ids: Mapped[list[int]] = mapped_column(JSON)
    votes: Mapped[int]
    teachers: Mapped[int]
    schools: Mapped[int]
    shared_terms: Mapped[list[str]] = mapped_column(JSON)
    # Beside problem_ids, position by position: the ids of that problem's nearest members.
    neighbours: Mapped[list[list[int]]] = mapped_column(JSON, default=list)
    # The named theme the grouping proposed this for (None: found by the unsupervised grouping).
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_themes.id", ondelete="SET NULL"))


class Topic(TimestampMixin, Base):
    """A confirmed research topic (专题) with its lead (专题负责人)."""

    __tablename__ = "campaign_topics"
    # A repeated confirmation (a retried activity, a double click) cannot add the topics twice.
    __table_args__ = (UniqueConstraint("campaign_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    problem_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    lead_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    confirmed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    plan_status: Mapped[PlanStatus] = mapped_column(String(12), default=PlanStatus.missing)
    summary_worked: Mapped[str | None] = mapped_column(Text)
    summary_did_not_work: Mapped[str | None] = mapped_column(Text)
    summary_at: Mapped[datetime | None]


class TopicParticipant(Base):
    """Who takes part in a topic: authors of and voters on its problems, its lead, its assignees."""

    __tablename__ = "campaign_topic_participants"

    topic_id: Mapped[int] = mapped_column(ForeignKey("campaign_topics.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(12))  # author | voter | lead | assignee


class Training(TimestampMixin, Base):
    __tablename__ = "campaign_trainings"
    __table_args__ = (UniqueConstraint("campaign_id", "topic_id", "title", "starts_at"),)  # scheduled once

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("campaign_topics.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    expert: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(200), default="")
    online_link: Mapped[str | None] = mapped_column(String(500))
    materials: Mapped[list[str]] = mapped_column(JSON, default=list)
    scheduled_by: Mapped[int] = mapped_column(ForeignKey("users.id"))


class CheckIn(Base):
    __tablename__ = "campaign_checkins"

    training_id: Mapped[int] = mapped_column(ForeignKey("campaign_trainings.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    checked_in_at: Mapped[datetime] = mapped_column(default=utcnow)


class Plan(TimestampMixin, Base):
    """A topic's research plan; each submission after a return bumps `version`."""

    __tablename__ = "campaign_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("campaign_topics.id", ondelete="CASCADE"), unique=True)
    goal: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    status: Mapped[PlanStatus] = mapped_column(String(12), default=PlanStatus.submitted)
    submitted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    comment: Mapped[str] = mapped_column(Text, default="")  # the last return's comment


class PlanStage(Base):
    __tablename__ = "campaign_plan_stages"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("campaign_plans.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[TaskKind] = mapped_column(String(20))
    due_at: Mapped[datetime]
    assignee_user_ids: Mapped[list[int]] = mapped_column(JSON)
    done_at: Mapped[datetime | None]
    done_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Task(Base):
    """One assignee's work in one stage, created when the plan is approved."""

    __tablename__ = "campaign_tasks"
    __table_args__ = (UniqueConstraint("stage_id", "assignee_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("campaign_topics.id", ondelete="CASCADE"))
    stage_id: Mapped[int] = mapped_column(ForeignKey("campaign_plan_stages.id", ondelete="CASCADE"))
    assignee_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[TaskKind] = mapped_column(String(20))
    due_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
    summary: Mapped[str | None] = mapped_column(Text)
    links: Mapped[list[str]] = mapped_column(JSON, default=list)


class Reflection(TimestampMixin, Base):
    __tablename__ = "campaign_reflections"
    __table_args__ = (UniqueConstraint("campaign_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_topics.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
