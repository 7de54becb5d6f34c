"""What admins see when they inspect runs: summaries from Temporal visibility, a run's state,
its readable timeline, raw events, and the audit trail."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from contracts.directory.api import Role
from contracts.limits import Id

# A text value the runs list filters on (phase, subject): it goes into a visibility query, which
# refuses control characters; no search attribute the product sets is longer. Filters with a
# type of their own (kind, status, cluster) take that type, so a stray quote never reaches the store.
Keyword = Annotated[str, StringConstraints(max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")]
# The console's filter form sends an empty field for "any".
OptionalId = Annotated[Id | None, BeforeValidator(lambda value: value or None)]
# Rows of visibility the runs list fetches for one page at most (offset + limit): Temporal has no
# offset, so a deeper page costs every row before it. Older runs are found with `started_before`.
RUNS_MAX_OFFSET = 1000


class RunKind(StrEnum):
    """What a run is for (the RunKind search attribute every run carries)."""

    campaign = "campaign"
    series = "series"
    notification = "notification"
    evaluation = "evaluation"  # an alliance's evaluation round
    mentoring = "mentoring"  # a mentor pair's year (青蓝工程)
    tour = "tour"
    exchange = "exchange"  # an exchange (交流轮岗), and each school year's quota checkpoints


class RunStatus(StrEnum):
    """A run's status as Temporal visibility queries name it (the `status` filter of the runs list)."""

    running = "Running"
    completed = "Completed"
    failed = "Failed"
    canceled = "Canceled"
    terminated = "Terminated"
    continued_as_new = "ContinuedAsNew"
    timed_out = "TimedOut"


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_user_id: int
    actor_name: str
    actor_role: Role
    method: str
    route: str
    path: str
    status_code: int
    action: str | None  # what was done, in words (rows from before it was recorded may have none)
    subject_type: str | None
    subject_id: str | None
    payload: dict[str, Any]


class RunStallOut(BaseModel):
    """A step of the run that keeps failing (it is still retrying)."""

    model_config = ConfigDict(from_attributes=True)

    activity_type: str
    attempt: int
    first_failed_at: datetime
    last_failed_at: datetime
    last_error: str


class RunSummary(BaseModel):
    workflow_id: str
    run_id: str
    workflow_type: str
    status: str  # RUNNING, COMPLETED, FAILED, CANCELED, TERMINATED, CONTINUED_AS_NEW, TIMED_OUT
    started_at: datetime
    closed_at: datetime | None
    kind: str | None
    phase: str | None
    campaign_id: str | None
    series_id: str | None
    cluster_ids: list[str]
    subject: str | None
    term: str | None
    started_by: str | None
    stalled: RunStallOut | None = Field(default=None, description="set while a step keeps failing")


class PendingActivity(BaseModel):
    activity_type: str
    state: str
    attempt: int
    last_failure: str | None
    scheduled_at: datetime | None


class RunDetail(RunSummary):
    history_length: int
    pending_activities: list[PendingActivity]
    next_timer_at: datetime | None = Field(description="when the earliest pending timer fires (deadline, reminder)")
    runs_in_chain: int = Field(description="this run and the ones it continued from (continue-as-new)")


class TimelineEntry(BaseModel):
    at: datetime
    source: str  # temporal | audit | notification
    category: str  # phase, action, notice, timer, retry, failure, run
    text: str  # readable, Chinese first
    actor: str | None = None
    run_id: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class RawEvent(BaseModel):
    run_id: str
    event_id: int
    event_time: datetime
    event_type: str
    attributes: dict[str, Any]


class CancelRun(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


RUN_PENDING = "已受理；工作流服务恢复后自动开始 (accepted; the run starts when the workflow service is back)"


class RunPending(BaseModel):
    """The 202 of a creation whose run Temporal did not take: the record is stored, and the
    worker's reconciler starts its run once Temporal answers again."""

    id: int
    status: Literal["accepted"] = "accepted"
    detail: str = RUN_PENDING
    workflow_id: str


class PatchStatus(BaseModel):
    """A patch the workflows carry (workflows/patches.py) and whether it can be retired."""

    id: str
    release: date = Field(description="the day of the release that brought it (UTC)")
    guards: str = Field(description="the change it keeps from runs started before that release")
    workflow_types: list[str]
    older_than: datetime = Field(description="runs started before this instant (the release day's end) may lack it")
    open_older_runs: int = Field(description="open runs of its workflow types started before `older_than`")
    retirable: bool = Field(description="no such run is open: its old branch can go (deprecate_patch)")
