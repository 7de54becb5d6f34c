"""Touring lessons (送教下乡 · 巡回送教): what travels in a tour's workflow history.

The run's input, the steps it waits for (a StopCursor), the schedule changes the API sends it and
the staff decision it takes as an Update. Recorded histories hold these: change them only by adding
fields with defaults. HTTP types are in api.py."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from contracts.notifications.history import NotifyRequest


class TourStatus(StrEnum):
    active = "active"
    ended = "ended"  # ended early by staff
    completed = "completed"  # every stop done: held and its feedback in, or called off


LIVE_TOURS = (TourStatus.active,)


class TourEnd(BaseModel):
    """Staff end a tour early (an Update): the stops still ahead are called off."""

    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""
    by_user_id: int | None = None
    at: datetime  # when it was decided (the request's time)


class StopStepKind(StrEnum):
    """What a stop's timeline holds, in order."""

    announce = "announce"  # to the presenter and the host school's teachers, with the checklist due
    checklist_reminder = "checklist_reminder"  # the checklist is due and not all ticked
    close_checkin = "close_checkin"  # the stop is held
    feedback_request = "feedback_request"  # to the host school's contact
    feedback_chase = "feedback_chase"  # again, while it is missing
    feedback_escalation = "feedback_escalation"  # to the tour's staff after the last chase


class StopCursor(BaseModel):
    """Where the tour has got to: steps are ordered by (due_at, stop_id, order)."""

    due_at: datetime
    stop_id: int = 0
    order: int = -1

    def key(self) -> tuple[datetime, int, int]:
        return (self.due_at, self.stop_id, self.order)


class StopStep(StopCursor):
    kind: StopStepKind
    sequence: int  # the stop's SEQUENCE when planned: a later change makes the step stale
    chase: int | None = None  # 1, 2, ... for feedback chases


class TourChange(BaseModel):
    """Sent by the API after it stored a change to a stop: the workflow tells people and re-plans."""

    change_id: int
    action: str
    notices: list[NotifyRequest] = Field(default_factory=list)


class TourStepResult(BaseModel):
    notices: list[NotifyRequest] = Field(default_factory=list)
    next_step: StopStep | None = None
    finished: bool = False  # no step left: the run ends
    tour_status: TourStatus
    unsent_changes: list[TourChange] = Field(default_factory=list)  # stored, their Update never arrived


class TourRunInput(BaseModel):
    tour_id: int
    cursor: StopCursor
    pending: list[TourChange] = Field(default_factory=list)  # carried over continue-as-new
    seen_changes: list[int] = Field(default_factory=list)
    run_number: int = 1


class TourAdvance(BaseModel):
    """Run `step` (if any), then plan the first step after it (or after `after`)."""

    tour_id: int
    after: StopCursor
    run: StopStep | None = None
    seen_changes: list[int] = Field(default_factory=list)


class TourEndInput(BaseModel):
    tour_id: int
    end: TourEnd
