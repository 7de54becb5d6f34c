"""Order-style research campaigns (订单式教研): what travels in the campaign workflow's history.

The five-phase cycle, the campaign's parameters, the workflow's input and state, its Updates and
what its activities exchange. Recorded histories hold these: change them only by adding fields
with defaults (README, Changing a workflow safely). HTTP bodies and answers are in api.py."""

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, field_validator, model_validator

from contracts.limits import MAX_DURATION, Id, Ids, Moment
from contracts.links import WebLink

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
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


# Staff shape the proposals before confirming. A proposal is named by a problem in it: that stays
# true while another staff member's edit re-ranks the proposals.


class TopicIn(BaseModel):
    title: Title
    problem_ids: Ids = Field(default_factory=list)
    lead_user_id: Id  # 专题负责人: a staff member or a teacher


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


class StageIn(BaseModel):
    title: Title
    due_at: Moment
    assignee_user_ids: list[Id] = Field(min_length=1, max_length=200)
    kind: TaskKind = TaskKind.research_lesson


class PlanIn(BaseModel):
    goal: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
    stages: list[StageIn] = Field(min_length=1, max_length=20)


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
    # applied to the next one. None only in Updates sent before 2026-11-26.
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
