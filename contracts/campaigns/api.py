"""Order-style research campaigns over HTTP: the API's bodies and answers. None of these enters a
workflow history (those types are in history.py), so they change with the API alone."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from contracts.campaigns.history import (
    CampaignParams,
    Duration,
    Offsets,
    Phase,
    PhaseStep,
    PlanStatus,
    TaskKind,
    Title,
    TopicIn,
)
from contracts.directory.api import GradeBand
from contracts.limits import Id, Ids, Moment
from contracts.links import WebLink

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30)]


class CampaignStatus(StrEnum):
    running = "running"
    completed = "completed"
    cancelled = "cancelled"


class CampaignIn(BaseModel):
    title: Title
    subject: Tag | None = None  # None: every subject
    grade_band: GradeBand | None = None  # None: every grade band
    cluster_ids: Ids = Field(default_factory=list)
    school_ids: Ids = Field(default_factory=list)
    schedule: dict[Phase, Duration | Moment] = Field(
        default_factory=dict, description="per phase: a duration (ISO 8601, e.g. PT5M) or a deadline"
    )
    reminder_offsets: Offsets | None = None
    grace: Duration | None = None
    vote_budget: int | None = Field(default=None, ge=1, le=100)

    @model_validator(mode="after")
    def _has_scope(self) -> "CampaignIn":
        if not self.cluster_ids and not self.school_ids:
            raise ValueError("cluster_ids or school_ids: a campaign needs a scope (至少选择一个片区或学校)")
        return self

    def params(self) -> CampaignParams:
        given: dict[str, Any] = {"durations": {}, "deadlines": {}}
        for phase, value in self.schedule.items():
            given["deadlines" if isinstance(value, datetime) else "durations"][phase] = value
        for name in ("reminder_offsets", "grace", "vote_budget"):
            if getattr(self, name) is not None:
                given[name] = getattr(self, name)
        return CampaignParams(**given)


class PhaseWindow(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    phase: Phase
    opened_at: datetime | None
    deadline: datetime | None  # planned until the phase opens, then the real one
    closed_at: datetime | None
    closed_how: str | None


class PhaseCounts(BaseModel):
    phase: Phase
    acted: int
    not_acted: int


class TopicOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    lead_user_id: int
    problem_ids: list[int]
    plan_status: PlanStatus
    participants: int


class TaskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    campaign_id: int
    topic_id: int
    stage_id: int
    title: str
    due_at: datetime
    delivered_at: datetime | None


class CampaignOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    subject: str | None
    grade_band: GradeBand | None
    cluster_ids: list[int]
    school_ids: list[int]
    status: CampaignStatus
    phase: Phase
    step: PhaseStep
    deadline: datetime | None
    deadlines: list[PhaseWindow]
    created_by: int
    created_at: datetime
    cancel_reason: str | None


class CampaignOrganiserOut(BaseModel):
    """A research staff member the creator (or an admin) added to steer the campaign with her."""

    user_id: int
    display_name: str
    added_by: int
    added_at: datetime


class OrganiserIn(BaseModel):
    user_id: Id


class CampaignDetail(CampaignOut):
    organisers: list[CampaignOrganiserOut] = Field(default_factory=list)  # besides its creator (created_by)
    members: int
    problems: int
    votes: int
    counts: list[PhaseCounts]
    topics: list[TopicOut]
    my_tasks: list[TaskOut] = Field(default_factory=list)


class ProblemIn(BaseModel):
    title: Title
    description: Text = ""
    grade: Annotated[str, StringConstraints(strip_whitespace=True, max_length=30)] = ""
    tags: list[Tag] = Field(default_factory=list, max_length=10)


class ProblemUpdate(BaseModel):
    title: Title | None = None
    description: Text | None = None
    grade: Annotated[str, StringConstraints(strip_whitespace=True, max_length=30)] | None = None
    tags: list[Tag] | None = Field(default=None, max_length=10)


class ProblemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    campaign_id: int
    author_user_id: int
    school_id: int
    title: str
    description: str
    grade: str
    tags: list[str]
    votes: int
    created_at: datetime
    updated_at: datetime


class SimilarProblem(BaseModel):
    """A live problem like the one being written: of another teacher's, only what the campaign's
    list shows everyone (title, description, votes); never who wrote it."""

    id: int
    title: str
    description: str
    votes: int
    mine: bool  # the asking teacher wrote it (she cannot second her own)
    seconded: bool  # the asking teacher has already voted for or seconded it


# What the form sends while she types: the title and the start of the description.
SimilarText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class SecondIn(BaseModel):
    """附议: her vote, and optionally her own words under the problem (kept, shown to staff)."""

    comment: Text = ""


class SecondOut(BaseModel):
    problem_id: int
    votes_left: int
    comment: str


class ThemeIn(BaseModel):
    title: Title
    line: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


class ThemeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    line: str


class LastTermThemes(BaseModel):
    """The themes after "last term's topics": which campaign they came from, and every theme named."""

    campaign_id: int
    campaign_title: str
    themes: list[ThemeOut]


class ProposalMember(BaseModel):
    problem_id: int
    title: str
    neighbours: list[int] = Field(default_factory=list)  # the members most similar to this one, closest first
    comments: list[str] = Field(default_factory=list)  # what teachers who seconded it added, oldest first


class TopicProposal(BaseModel):
    """A group of similar problems, with why they were grouped."""

    rank: int
    suggested_title: str
    problem_ids: list[int]
    problems: list[ProposalMember] = Field(default_factory=list)
    votes: int
    teachers: int
    schools: int
    shared_terms: list[str]  # the words and characters pairs the members have in common
    theme: ThemeOut | None = None  # the named theme it was proposed for; None: found by the grouping alone


class ProposalsMerge(BaseModel):
    problem_ids: Ids = Field(min_length=2, description="a problem of each proposal to merge")


class ProblemMove(BaseModel):
    problem_id: Id
    to_problem_id: Id | None = Field(None, description="into the proposal holding this problem; none: on its own")


class ProposalSplit(BaseModel):
    problem_ids: Ids = Field(min_length=1, description="some problems of one proposal: they leave it together")


class TopicsConfirm(BaseModel):
    topics: list[TopicIn] = Field(min_length=1, max_length=50)


class TrainingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    campaign_id: int
    topic_id: int
    title: str
    expert: str
    starts_at: datetime
    ends_at: datetime
    place: str
    online_link: str | None
    materials: list[str]


class StageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    position: int
    title: str
    kind: TaskKind
    due_at: datetime
    assignee_user_ids: list[int]
    done_at: datetime | None


class PlanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    topic_id: int
    goal: str
    version: int
    status: PlanStatus
    comment: str
    submitted_at: datetime
    stages: list[StageOut]


class PlanDecision(BaseModel):
    comment: Text = ""


class DeliveryIn(BaseModel):
    summary: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
    links: list[WebLink] = Field(default_factory=list, max_length=20)


class ReflectionIn(BaseModel):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
    topic_id: Id | None = None


class SummaryIn(BaseModel):
    """The topic lead's summary for the report: what worked and what did not."""

    worked: Text
    did_not_work: Text


class CloseIn(BaseModel):
    """Optional: the phase the caller means to close (by default the phase the campaign is in)."""

    phase: Phase | None = None


class ExtendIn(BaseModel):
    until: Moment
    phase: Phase | None = None  # the phase the caller means (default: the current one)
    deadline: Moment | None = None  # the deadline the caller saw (default: the current one)


class CancelIn(BaseModel):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class VoteOut(BaseModel):
    problem_id: int
    votes_left: int


class TrainingCheckinOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    training_id: int
    user_id: int
    checked_in_at: datetime
