"""Teacher exchanges (交流轮岗): what travels in the exchange workflow's and the quota checkpoints'
histories. Recorded histories hold these: change them only by adding fields with defaults. HTTP
types are in api.py."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from contracts.notifications.history import NotifyRequest


class ExchangeKind(StrEnum):
    """What an agreement fixes as the exchange's term (交流期限) and form."""

    long = "长期交流"  # one year or more (1年及以上)
    short = "短期交流"  # one week or more (一周及以上)
    shadowing = "跟岗"  # following a colleague's post at the host school
    support = "支教"  # teaching at a town or rural school
    vice_principal = "兼职副校长"  # a lead-school leader resident one day a week (每周驻校1天)


class ExchangeStatus(StrEnum):
    planned = "planned"  # not started yet (no actual start recorded)
    away = "away"  # actual start recorded, not back yet
    returned = "returned"  # actual end recorded, report not yet submitted
    reported = "reported"  # return report in, awaiting the staff assessment
    assessed = "assessed"
    cancelled = "cancelled"


LIVE_EXCHANGES = (ExchangeStatus.planned, ExchangeStatus.away, ExchangeStatus.returned, ExchangeStatus.reported)
# An exchange in these may still be postponed: it has not begun.
NOT_STARTED = (ExchangeStatus.planned,)


class StepKind(StrEnum):
    """An exchange's timeline, in order: derived from its current dates (services/exchanges/steps.py)."""

    announce = "announce"  # before the start: the teacher and both schools
    end_reminder = "end_reminder"  # before the end: the teacher and the host school
    report_request = "report_request"  # on return: the report is due N days later
    report_late_school = "report_late_school"  # the report is late: the home school's contact
    report_late_staff = "report_late_staff"  # still late: staff
    assessment_due = "assessment_due"  # the report is in and not yet assessed: staff


class Step(BaseModel):
    kind: StepKind
    due_at: datetime
    # Names the step with the date it hangs on ("announce:2027-03-01"): a postponement makes a new
    # step, and the one done before stays done (services/exchanges/steps.py).
    key: str


class ExchangeState(BaseModel):
    """What the run knows of its exchange after each step: its validators decide on it."""

    status: ExchangeStatus
    planned_start: date
    planned_end: date


class StepResult(BaseModel):
    notices: list[NotifyRequest] = Field(default_factory=list)
    next_step: Step | None = None
    state: ExchangeState


class ExchangeRunInput(BaseModel):
    exchange_id: int
    run_number: int = 1


class AdvanceInput(BaseModel):
    """Run `step` (if any and still due), then plan the first step not yet done."""

    exchange_id: int
    run: Step | None = None
    at: datetime


Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


class PostponeRequest(BaseModel):
    """Staff move the start later (the end moves with it unless given)."""

    new_start: date
    new_end: date | None = None
    reason: Reason = ""
    actor_user_id: int | None = None
    previous_start: date | None = None  # set by the run from what it knows: the notice says it, run twice alike


class CancelRequest(BaseModel):
    """Staff call the exchange off (before or during it)."""

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    actor_user_id: int | None = None


class Outcome(StrEnum):
    reward = "reward"  # 给予奖励
    improve = "improve"  # 提出改进建议


Rating = Literal["优秀", "良好", "合格", "待改进"]


class AssessRequest(BaseModel):
    """The staff assessment on return, on the three points of the seed (000_…)."""

    teaching_results: Rating  # 教学成果
    local_influence: Rating  # 对当地教师的带动作用
    collaboration: Rating  # 与同事的合作交流
    outcome: Outcome
    comment: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    actor_user_id: int | None = None


class PostponeInput(BaseModel):
    exchange_id: int
    request: PostponeRequest
    at: datetime


class CancelInput(BaseModel):
    exchange_id: int
    request: CancelRequest
    at: datetime


class AssessInput(BaseModel):
    exchange_id: int
    request: AssessRequest
    at: datetime


class ChangeDone(BaseModel):
    """A postponement or an assessment, stored: what to tell, and the exchange now."""

    notices: list[NotifyRequest] = Field(default_factory=list)
    state: ExchangeState


# ---- the quota checkpoints ----


class Checkpoint(StrEnum):
    mid_year = "mid_year"  # halfway through the school year
    before_end = "before_end"  # six weeks before it ends


class CheckpointDue(BaseModel):
    checkpoint: Checkpoint
    due_at: datetime


class QuotaRunInput(BaseModel):
    year: int  # the school year starting in this calendar year (2026 = 2026—2027学年)
    done: list[Checkpoint] = Field(default_factory=list)


class CheckpointInput(BaseModel):
    """Run `run` (if any), then say which checkpoint of the year comes next."""

    year: int
    done: list[Checkpoint] = Field(default_factory=list)
    run: Checkpoint | None = None
    at: datetime


class CheckpointResult(BaseModel):
    notices: list[NotifyRequest] = Field(default_factory=list)
    next: CheckpointDue | None = None
