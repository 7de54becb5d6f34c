"""What every scheduled occurrence shares, whatever its programme (a series' weekly session, a
tour's stop): its status, and which statuses mean it no longer takes place."""

from enum import StrEnum

from pydantic import BaseModel, Field, model_validator

from contracts.limits import Moment


class OccurrenceStatus(StrEnum):
    scheduled = "scheduled"
    held = "held"  # its check-in window has closed
    skipped = "skipped"  # this one called off, with a reason
    paused = "paused"  # fell while its series was paused
    cancelled = "cancelled"  # its series or tour ended before it


# Occurrences that no longer take place: they stay in the calendar feeds as STATUS:CANCELLED.
CALLED_OFF = frozenset({OccurrenceStatus.skipped, OccurrenceStatus.paused, OccurrenceStatus.cancelled})


class RescheduleIn(BaseModel):
    """Move one upcoming occurrence (services/schedule/occurrences.py)."""

    starts_at: Moment = Field(description="naive times are read as local time (Asia/Shanghai)")
    ends_at: Moment

    @model_validator(mode="after")
    def _ordered(self) -> "RescheduleIn":
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at (结束时间须晚于开始时间)")
        return self
