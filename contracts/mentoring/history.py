"""Mentor pairs (青蓝工程): what travels in a pair's workflow history.

The run's input, the step it waits for, the staff decisions it takes as Updates and what their
activities answer. Recorded histories hold these: change them only by adding fields with defaults.
HTTP types are in api.py."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from contracts.notifications.history import NotifyRequest

Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class PairStatus(StrEnum):
    active = "active"
    ended = "ended"  # ended early by staff
    completed = "completed"  # the last stage passed


PAIR_STATUS_LABELS = {PairStatus.active: "进行中", PairStatus.ended: "已提前结束", PairStatus.completed: "已完成"}


class Side(StrEnum):
    mentor = "mentor"  # 师傅
    mentee = "mentee"  # 徒弟

    @property
    def other(self) -> "Side":
        return Side.mentee if self is Side.mentor else Side.mentor

    @property
    def label(self) -> str:
        return SIDE_LABELS[self]


SIDE_LABELS = {Side.mentor: "师傅", Side.mentee: "徒弟"}


class Verdict(StrEnum):
    """Staff's verdict on a stage (阶段考评): passed opens the next stage; the others ask for an
    improvement plan, and the stage is assessed again once the plan is filed."""

    passed = "passed"  # 合格
    needs_improvement = "needs_improvement"  # 待改进
    failed = "failed"  # 不合格

    @property
    def label(self) -> str:
        return VERDICT_LABELS[self]


VERDICT_LABELS = {Verdict.passed: "合格", Verdict.needs_improvement: "待改进", Verdict.failed: "不合格"}


class StepKind(StrEnum):
    log_check = "log_check"  # the month's logs against the quota: nudge the side under it
    form_reminder = "form_reminder"  # the stage form is due soon: remind the side without one
    escalate_contact = "escalate_contact"  # overdue: the missing side's school contact hears of it
    escalate_staff = "escalate_staff"  # still overdue: the programme's staff hear of it


class Step(BaseModel):
    kind: StepKind
    due_at: datetime
    stage: int
    month: str = ""  # log_check: the month counted, "2027-03"


class PairRunInput(BaseModel):
    pair_id: int
    stage: int = 1
    after: datetime | None = None  # steps due at or before this are past (carried over continue-as-new)
    run_number: int = 1


class PlanRequest(BaseModel):
    pair_id: int
    stage: int
    after: datetime
    announce: bool = False  # the pair's first plan: tell both teachers they are paired


class PlanResult(BaseModel):
    status: PairStatus
    next_step: Step | None = None  # None: the stage's steps are done, its verdict is awaited
    notices: list[NotifyRequest] = Field(default_factory=list)


class StepRequest(BaseModel):
    pair_id: int
    step: Step


# ---- staff decisions (Updates) ----


class VerdictRequest(BaseModel):
    stage: int = Field(ge=1)
    verdict: Verdict
    comment: Comment = ""
    user_id: int | None = None


class ReplaceMentorRequest(BaseModel):
    mentor_teacher_id: int
    reason: Reason = ""
    user_id: int | None = None


class ExtendRequest(BaseModel):
    ends_on: date
    reason: Reason = ""
    user_id: int | None = None


class EndRequest(BaseModel):
    reason: Reason = ""
    user_id: int | None = None


class DecisionInput(BaseModel):
    """What an Update's activity writes: one of the requests, for the pair, at the run's time."""

    pair_id: int
    at: datetime
    verdict: VerdictRequest | None = None
    replace_mentor: ReplaceMentorRequest | None = None
    extend: ExtendRequest | None = None
    end: EndRequest | None = None


class DecisionResult(BaseModel):
    """The activity's answer: a refusal by the database's rules (forms missing, no such teacher),
    or what was written and whom to tell."""

    refused: str = ""
    refused_field: str = ""  # set: a 422 naming this field; empty: a 409
    notices: list[NotifyRequest] = Field(default_factory=list)
    status: PairStatus = PairStatus.active
    stage: int = 1  # the pair's current stage after the decision


class PairState(BaseModel):
    """What a decision answers to the API: where the pair is now."""

    pair_id: int
    status: PairStatus
    stage: int
