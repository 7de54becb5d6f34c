"""The evaluation over HTTP: a round's figures, its reviews, entries, overrides, survey and scheme."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from contracts.evaluation.history import RoundStage
from contracts.evaluation.scheme import Dimension, Scheme
from contracts.limits import MAX_DURATION, Day, Id

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
Term = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{4}-\d{4}-[12]$")]  # 2026-2027-1


class RoundIn(BaseModel):
    cluster_id: Id
    term: Term
    term_start: Day
    term_end: Day
    review_days: int = Field(default=14, ge=1, le=60)  # after the term ends: review, entries, survey
    reminder_days: list[Annotated[int, Field(ge=1, le=60)]] = Field(default=[7, 2], max_length=5)  # before review ends

    @model_validator(mode="after")
    def _a_term(self) -> "RoundIn":
        if not self.term_start < self.term_end or self.term_end - self.term_start > MAX_DURATION:
            raise ValueError("term_end: the term ends after it starts, within a year")
        return self


class RoundOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    cluster_id: int
    term: str
    term_start: date
    term_end: date
    stage: RoundStage
    scheme_version: int
    collect_until: datetime
    review_until: datetime
    published_at: datetime | None = None
    workflow_id: str


class ValueOut(BaseModel):
    id: int
    indicator: str
    label: str
    dimension: Dimension
    school_id: int | None  # None: the alliance as a whole
    value: float | None
    target: float
    score: float | None  # what counts: the override if there is one
    computed_score: float | None
    override_reason: str = ""
    previous: float | None = None  # the same indicator and level in the previous term's round
    change: float | None = None
    records: list[str]  # "kind:id" of every record behind the value
    evidence: str = ""


class LevelOut(BaseModel):
    school_id: int | None
    name: str
    total: float
    dimensions: dict[Dimension, float]  # per cent of the dimension's weight
    previous_total: float | None = None


# A school's review, in words ("pending" alone would read as a notice's 待发送).
REVIEW_LABELS = {"pending": "待确认", "confirmed": "已确认", "disputed": "有异议", "answered": "已答复"}


class ReviewOut(BaseModel):
    school_id: int
    school: str
    status: str
    reason: str
    answer: str


class RoundDetail(RoundOut):
    levels: list[LevelOut]
    values: list[ValueOut]
    reviews: list[ReviewOut]
    county_median: dict[Dimension, float]


class ReviewDecision(StrEnum):
    confirm = "confirm"
    dispute = "dispute"


class ReviewIn(BaseModel):
    decision: ReviewDecision
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = ""

    @model_validator(mode="after")
    def _a_dispute_says_why(self) -> "ReviewIn":
        if self.decision == ReviewDecision.dispute and not self.reason:
            raise ValueError("reason: a dispute says why")
        return self


class AnswerIn(BaseModel):
    answer: Reason


class EntryIn(BaseModel):
    value: float = Field(ge=0, le=1_000_000)
    evidence: Reason  # what shows it: titles, links, where the files are


class OverrideIn(BaseModel):
    score: float = Field(ge=0, le=100)
    reason: Reason


class SurveyIn(BaseModel):
    """合作满意度: 1 (very dissatisfied) to 5 (very satisfied)."""

    partners: int = Field(ge=1, le=5)  # 合作伙伴满意度
    activities: int = Field(ge=1, le=5)  # 教研活动收获
    feedback: int = Field(ge=1, le=5)  # 师生反馈
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = ""


class SurveyResults(BaseModel):
    """Only what no one can be told apart by: counts, means, comments in text order, no time."""

    invited: int
    answered: int
    response_rate: float
    means: dict[str, float]
    comments: list[str]


class ReportFormat(StrEnum):
    html = "html"
    pdf = "pdf"
    xlsx = "xlsx"


class SchemeOut(BaseModel):
    version: int
    scheme: Scheme
    queries: list[str]  # the named queries a computed indicator may use
