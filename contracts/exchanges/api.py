"""Teacher exchanges (交流轮岗) over HTTP: an exchange, its dates, the return report, the
assessment and the live quotas of an alliance. None of these enters a workflow history."""

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from contracts.exchanges.history import AssessRequest, CancelRequest, ExchangeKind, ExchangeStatus, Outcome, PostponeRequest, Rating
from contracts.limits import Day, Id

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Report = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]


class ExchangeIn(BaseModel):
    """An exchange agreement: who goes where, how long, to do what (选拔标准、交流期限、工作职责以及考核评价机制)."""

    teacher_id: Id
    host_school_id: Id
    kind: ExchangeKind
    planned_start: Day
    planned_end: Day
    weekday: int | None = Field(default=None, ge=1, le=7,
                                description="兼职副校长: the weekday resident at the host school (1 = Monday)")
    duties: Text = ""  # 工作职责
    selection_criteria: Text = ""  # 选拔标准
    assessment_mechanism: Text = ""  # 考核评价机制

    @model_validator(mode="after")
    def _coherent(self) -> "ExchangeIn":
        if self.planned_end <= self.planned_start:
            raise ValueError("planned_end must be after planned_start (结束日期须晚于开始日期)")
        if (self.kind == ExchangeKind.vice_principal) != (self.weekday is not None):
            raise ValueError("weekday is required for, and only for, 兼职副校长 (每周驻校日)")
        return self


class PostponeIn(BaseModel):
    new_start: Day
    new_end: Day | None = None
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""

    def request(self, actor_user_id: int) -> PostponeRequest:
        return PostponeRequest(**self.model_dump(), actor_user_id=actor_user_id)


class CancelIn(BaseModel):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]

    def request(self, actor_user_id: int) -> CancelRequest:
        return CancelRequest(reason=self.reason, actor_user_id=actor_user_id)


class ActualDatesIn(BaseModel):
    """The dates the exchange really began and ended (the quotas count only these)."""

    actual_start: Day | None = None
    actual_end: Day | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "ActualDatesIn":
        if self.actual_start is None and self.actual_end is None:
            raise ValueError("actual_start or actual_end is required")
        if self.actual_start and self.actual_end and self.actual_end < self.actual_start:
            raise ValueError("actual_end must not be before actual_start (返回日期不能早于出发日期)")
        return self


class ReportIn(BaseModel):
    """The teacher's return report (交流总结)."""

    content: Report


class AssessIn(BaseModel):
    teaching_results: Rating = Field(description="教学成果")
    local_influence: Rating = Field(description="对当地教师的带动作用")
    collaboration: Rating = Field(description="与同事的合作交流")
    outcome: Outcome = Field(description="reward: 给予奖励; improve: 提出改进建议")
    comment: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]

    def request(self, actor_user_id: int) -> AssessRequest:
        return AssessRequest(**self.model_dump(), actor_user_id=actor_user_id)


class ExchangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    teacher_id: int
    teacher_name: str = ""
    home_school_id: int
    home_school_name: str = ""
    host_school_id: int
    host_school_name: str = ""
    kind: ExchangeKind
    weekday: int | None
    planned_start: date
    planned_end: date
    actual_start: date | None
    actual_end: date | None
    duties: str
    selection_criteria: str
    assessment_mechanism: str
    status: ExchangeStatus
    report_due: date | None = None
    report: str | None
    report_submitted_at: datetime | None
    teaching_results: str | None
    local_influence: str | None
    collaboration: str | None
    outcome: Outcome | None
    assessment_comment: str | None
    workflow_id: str


class QuotaBar(BaseModel):
    """One quota of one alliance: counted from actual dates, and projected to the year's end."""

    counted: int
    projected: int
    target: int  # people
    needed: int  # people still to arrange, beyond what is planned
    percent: float | None = None  # short-term: counted people as a percentage of the base
    projected_percent: float | None = None
    target_percent: int | None = None
    base: int | None = None  # short-term: the teachers the percentage is of


class AllianceQuota(BaseModel):
    cluster_id: int
    cluster_name: str
    lead_school_name: str
    year: int  # the school year beginning in this calendar year
    year_start: date
    year_end: date
    long_term: QuotaBar
    short_term: QuotaBar


class ExchangeImportResult(BaseModel):
    created: int
    updated: int
    unchanged: int
