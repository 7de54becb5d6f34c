"""Weekly joint sessions (联片教研 · 周周有约): what travels in the series workflow's history.

The run's input, the steps it waits for (a Cursor), the changes the API sends it. Recorded
histories hold these: change them only by adding fields with defaults. HTTP types are in api.py."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from contracts.notifications.history import NotifyRequest


class SeriesStatus(StrEnum):
    active = "active"
    paused = "paused"
    ended = "ended"  # ended early by its organiser
    completed = "completed"  # the term ran out


# A series in these has a run (a paused one waits for its resume); one in the others has ended.
LIVE_SERIES = (SeriesStatus.active, SeriesStatus.paused)


class SeriesAction(BaseModel):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


# ---- the workflow side ----


class StepKind(StrEnum):
    """What a session's timeline holds, in order."""

    announce = "announce"
    remind = "remind"
    close_checkin = "close_checkin"
    minutes_reminder = "minutes_reminder"
    minutes_escalation = "minutes_escalation"


class Cursor(BaseModel):
    """Where the series has got to: steps are ordered by (due_at, session_id, order)."""

    due_at: datetime
    session_id: int = 0
    order: int = -1

    def key(self) -> tuple[datetime, int, int]:
        return (self.due_at, self.session_id, self.order)


class Step(Cursor):
    kind: StepKind
    sequence: int  # the session's SEQUENCE when planned: a later change makes the step stale
    minutes_before: int | None = None  # for reminders


class SeriesChange(BaseModel):
    """Sent by the API after it stored a change: the workflow tells people and re-plans."""

    change_id: int
    action: str
    notices: list[NotifyRequest] = Field(default_factory=list)


class StepResult(BaseModel):
    notices: list[NotifyRequest] = Field(default_factory=list)
    next_step: Step | None = None
    # No step left and nothing can add one: the run ends.
    finished: bool = False
    series_status: SeriesStatus
    # Stored changes whose Update never reached the run (Temporal was unreachable then).
    unsent_changes: list[SeriesChange] = Field(default_factory=list)


class SeriesRunInput(BaseModel):
    series_id: int
    cursor: Cursor
    pending: list[SeriesChange] = Field(default_factory=list)  # carried over continue-as-new
    # Changes already taken: the server may deliver an admitted Update again to the next run.
    seen_changes: list[int] = Field(default_factory=list)
    run_number: int = 1


class EndAfterCancel(BaseModel):
    """The series' run was cancelled from outside the product (runs console, Temporal UI/CLI)."""

    series_id: int
    at: datetime


class AdvanceInput(BaseModel):
    """Run `step` (if any), then plan the first step after it (or after `after`)."""

    series_id: int
    after: Cursor
    run: Step | None = None
    seen_changes: list[int] = Field(default_factory=list)  # the changes the run has taken
