"""The evaluation round (考评轮次): what travels in its workflow's history. Fields are only added,
with defaults. HTTP types are in api.py."""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from contracts.notifications.history import NotifyRequest


class RoundStage(StrEnum):
    collecting = "collecting"  # computed values refreshed nightly until the term ends
    review = "review"  # schools confirm or dispute; entered indicators are chased; the survey is open
    scoring = "scoring"  # staff score, with overrides that give a reason
    published = "published"  # frozen: figures and the records behind them never change again


# A round in these still has its run.
LIVE_STAGES = (RoundStage.collecting, RoundStage.review, RoundStage.scoring)


class RoundRunInput(BaseModel):
    round_id: int
    run_number: int = 1


class AdvanceRound(BaseModel):
    round_id: int
    now: datetime


class RoundStep(BaseModel):
    """What the activity did and when the run should look again (None: only when told)."""

    stage: RoundStage
    notices: list[NotifyRequest] = Field(default_factory=list)
    wake_at: datetime | None = None
    stage_changed: bool = False
    finished: bool = False
