"""Order-style research campaigns (订单式教研): the five-phase cycle, its parameters, the API's
bodies and answers, and what the workflow and its activities exchange.

Teachers' high-volume actions (problems, votes, check-ins, deliveries, reflections) never enter
the workflow; staff decisions and the topic leads' plans do, as Updates."""

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from contracts.directory.api import GradeBand
from contracts.limits import MAX_DURATION, Id, Ids, Moment
from contracts.links import WebLink

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30)]
Duration = Annotated[timedelta, Field(le=MAX_DURATION)]
Offsets = Annotated[list[Duration], Field(max_length=10)]


class Phase(StrEnum):
    collect_topics = "collect_topics"  # 征集问题
    train = "train"  # 培训学习
    design_plan = "design_plan"  # 设计方案
    practise = "practise"  # 研讨实践
    reflect = "reflect"  # 反思升华
    completed = "completed"
    cancelled = "cancelled"

    @property
    def label(self) -> str:
        return PHASE_LABELS[self]

    @property
    def is_terminal(self) -> bool:
        return self in (Phase.completed, Phase.cancelled)


PHASE_LABELS = {
    Phase.collect_topics: "征集问题", Phase.train: "培训学习", Phase.design_plan: "设计方案",
    Phase.practise: "研讨实践", Phase.reflect: "反思升华", Phase.completed: "已完成", Phase.cancelled: "已取消",
}
CYCLE = [Phase.collect_topics, Phase.train, Phase.design_plan, Phase.practise, Phase.reflect]
# Phases whose opening is announced to the topics' participants (collection has its own notice).
ANNOUNCED_OPENINGS = (Phase.train, Phase.practise, Phase.reflect)


class CampaignStatus(StrEnum):
    running = "running"
    completed = "completed"
    cancelled = "cancelled"


class PhaseStep(StrEnum):
    """Within a phase: `open` accepts teachers' actions; `deciding` waits for staff (collect_topics
    after its deadline, until the topics are confirmed); `closed` is history."""

    open = "open"
    deciding = "deciding"
    closed = "closed"


class PlanStatus(StrEnum):
    missing = "missing"
    submitted = "submitted"
    returned = "returned"
    approved = "approved"


class TaskKind(StrEnum):
    research_lesson = "research_lesson"  # 课例
    lesson_record = "lesson_record"  # 教学实录
    discussion_notes = "discussion_notes"  # 研讨记录


def _days(n: float) -> timedelta:
    return timedelta(days=n)


DEFAULT_DURATIONS = {Phase.collect_topics: _days(14), Phase.train: _days(14), Phase.design_plan: _days(14),
                     Phase.practise: _days(42), Phase.reflect: _days(14)}


class CampaignParams(BaseModel):
    """Every duration and offset of a campaign: days for a term, minutes for a demo."""

    durations: dict[Phase, Duration] = Field(default_factory=lambda: dict(DEFAULT_DURATIONS))
    # Absolute deadlines win over durations for the phases they name.
    deadlines: dict[Phase, datetime] = Field(default_factory=dict)
    # Before each phase deadline, remind those who have not acted yet.
    reminder_offsets: Offsets = Field(default_factory=lambda: [_days(3), _days(1)])
    # After a missed decision or deadline: wait this long, remind, wait again, escalate.
    grace: Duration = _days(2)
    training_reminder_offsets: Offsets = Field(default_factory=lambda: [_days(1), timedelta(hours=2)])
    checkin_opens_before: timedelta = timedelta(minutes=30)
    checkin_closes_after: timedelta = timedelta(minutes=30)
    vote_budget: int = Field(default=5, ge=1, le=100)
    # Continue-as-new at the next phase boundary once the history is this long.
    history_limit: int = Field(default=10_000, ge=1)

    @field_validator("durations")
    @classmethod
    def _positive_durations(cls, durations: dict[Phase, timedelta]) -> dict[Phase, timedelta]:
        if any(d <= timedelta(0) for d in durations.values()):
            raise ValueError("phase durations must be positive")
        return {**DEFAULT_DURATIONS, **durations}

    @field_validator("reminder_offsets", "training_reminder_offsets")
    @classmethod
    def _positive_offsets(cls, offsets: list[timedelta]) -> list[timedelta]:
        if any(o <= timedelta(0) for o in offsets):
            raise ValueError("reminder offsets are durations before the deadline, so positive")
        return sorted(set(offsets), reverse=True)


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


class ProposalMember(BaseModel):
    problem_id: int
    title: str
    neighbours: list[int] = Field(default_factory=list)  # the members most similar to this one, closest first


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


# Staff shape the proposals before confirming. A proposal is named by a problem in it: that stays
# true while another staff member's edit re-ranks the proposals.

class ProposalsMerge(BaseModel):
    problem_ids: Ids = Field(min_length=2, description="a problem of each proposal to merge")


class ProblemMove(BaseModel):
    problem_id: Id
    to_problem_id: Id | None = Field(None, description="into the proposal holding this problem; none: on its own")


class ProposalSplit(BaseModel):
    problem_ids: Ids = Field(min_length=1, description="some problems of one proposal: they leave it together")


class TopicIn(BaseModel):
    title: Title
    problem_ids: Ids = Field(default_factory=list)
    lead_user_id: Id  # 专题负责人: a staff member or a teacher


class TopicsConfirm(BaseModel):
    topics: list[TopicIn] = Field(min_length=1, max_length=50)


class TrainingIn(BaseModel):
    topic_id: Id
    title: Title
    expert: Title  # 专家
    starts_at: Moment
    ends_at: Moment
    place: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    online_link: WebLink | None = None
    materials: list[WebLink] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _ends_after_start(self) -> "TrainingIn":
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at (结束时间须晚于开始时间)")
        if not self.place and not self.online_link:
            raise ValueError("place or online_link: where is it? (请填写地点或线上链接)")
        return self


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


class StageIn(BaseModel):
    title: Title
    due_at: Moment
    assignee_user_ids: list[Id] = Field(min_length=1, max_length=200)
    kind: TaskKind = TaskKind.research_lesson


class PlanIn(BaseModel):
    goal: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
    stages: list[StageIn] = Field(min_length=1, max_length=20)


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


class PhaseChange(BaseModel):
    """What a close/extend/cancel answers: where the campaign stands now."""

    phase: Phase
    step: PhaseStep
    deadline: datetime | None


# ---- between the workflow and its activities -------------------------------------------------


class TopicRef(BaseModel):
    id: int
    title: str
    lead_user_id: int


class TrainingRef(BaseModel):
    id: int
    topic_id: int
    title: str
    expert: str
    place: str
    starts_at: datetime
    ends_at: datetime
    scheduled_at: datetime


class Transition(BaseModel):
    """Record in the database that the campaign moved (idempotent)."""

    campaign_id: int
    phase: Phase
    step: PhaseStep
    deadline: datetime | None
    at: datetime
    closed_how: str | None = None  # how the previous phase ended: deadline | early | all_approved | cancelled
    closed_by: int | None = None
    reason: str | None = None  # why it was cancelled


class PlanSubmission(BaseModel):
    campaign_id: int
    topic_id: int
    plan: PlanIn
    by_user_id: int
    at: datetime


class PlanVerdict(BaseModel):
    campaign_id: int
    topic_id: int
    approve: bool
    comment: str = ""
    by_user_id: int
    at: datetime


class TasksCreated(BaseModel):
    assignee_user_ids: list[int]
    due_dates: list[datetime]


class TopicsConfirmation(BaseModel):
    campaign_id: int
    topics: list[TopicIn]
    by_user_id: int
    at: datetime


class TrainingScheduling(BaseModel):
    campaign_id: int
    training: TrainingIn
    by_user_id: int
    at: datetime


class Actor(BaseModel):
    user_id: int


class CloseRequest(Actor):
    # The phase the caller saw: a close of a phase that has already ended is refused (409), never
    # applied to the next one. None only in Updates sent by the previous release.
    phase: Phase | None = None


class ExtendRequest(Actor):
    until: datetime
    phase: Phase | None = None  # as for a close
    seen_deadline: datetime | None = None  # the deadline the caller extended: a stale one is refused


class CancelRequest(Actor):
    reason: str


class TopicsRequest(Actor):
    topics: list[TopicIn]


class TrainingRequest(Actor):
    training: TrainingIn


class PlanRequest(Actor):
    topic_id: int
    plan: PlanIn
    author_name: str = ""  # for the staff's notice


class VerdictRequest(Actor):
    topic_id: int
    comment: str = ""


class CampaignState(BaseModel):
    """Everything the workflow carries across continue-as-new. Small: no teacher lists."""

    campaign_id: int
    title: str
    params: CampaignParams
    staff_user_ids: list[int]
    phase: Phase = Phase.collect_topics
    step: PhaseStep = PhaseStep.open
    deadline: datetime | None = None
    deadline_version: int = 0  # bumped by each extension: reminders re-arm for the new deadline
    opened_at: datetime | None = None
    # How the previous phase ended, recorded when the next one opens.
    closed_how: str | None = None
    closed_by: int | None = None
    topics: list[TopicRef] = Field(default_factory=list)
    plan_status: dict[int, PlanStatus] = Field(default_factory=dict)
    plan_submissions: dict[int, int] = Field(default_factory=dict)  # per topic, for notice keys
    trainings: list[TrainingRef] = Field(default_factory=list)
    task_due_dates: list[datetime] = Field(default_factory=list)
    cancel_reason: str | None = None
    cancelled_by: int | None = None
    entered: bool = False  # the current phase's opening has been recorded and announced
    runs: int = 1


class CampaignOutcome(BaseModel):
    campaign_id: int
    phase: Phase
    runs: int
