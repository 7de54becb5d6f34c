"""The evaluation scheme (考评方案): five dimensions, each with weighted indicators. Every layer reads
it: the round computes and scores by it, the pages and reports label by it.

The five dimensions are the seed's (`002_…` 强化考评: 管理共进、师资共育、资源共享、协同发展、整体提升).
The seeds give no weights: the default weights are the product's, and admins change them (each change
is a new version; a round keeps the version it started with)."""

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, model_validator


class Dimension(StrEnum):
    management = "management"
    teachers = "teachers"
    resources = "resources"
    collaboration = "collaboration"
    improvement = "improvement"


DIMENSION_LABELS = {
    Dimension.management: "管理共进", Dimension.teachers: "师资共育", Dimension.resources: "资源共享",
    Dimension.collaboration: "协同发展", Dimension.improvement: "整体提升",
}


class SourceKind(StrEnum):
    computed = "computed"  # counted from the product's records by a named query
    entered = "entered"  # entered by each member school's contact, with evidence
    survey = "survey"  # the 合作满意度 survey at term end


class Rule(StrEnum):
    ratio = "ratio"  # weight × min(value / target, 1)
    threshold = "threshold"  # the whole weight once the value reaches the target, else nothing


Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


class Indicator(BaseModel):
    code: Code
    label: Label
    dimension: Dimension
    weight: float = Field(gt=0, le=100)
    source: SourceKind
    query: str | None = Field(default=None, max_length=80)  # the named query of a computed indicator
    target: float = Field(gt=0, le=1_000_000)
    # A count expected of every teacher (training check-ins): the level's target is target × its teachers.
    per_teacher: bool = False
    unit: Literal["次", "%", "篇", "项", "人", "周", "分"] = "次"
    rule: Rule = Rule.ratio

    @model_validator(mode="after")
    def _computed_names_its_query(self) -> "Indicator":
        if (self.source == SourceKind.computed) != (self.query is not None):
            raise ValueError("a computed indicator names its query, and only a computed one")
        return self


class Scheme(BaseModel):
    indicators: list[Indicator] = Field(min_length=5, max_length=60)

    @model_validator(mode="after")
    def _whole(self) -> "Scheme":
        codes = [indicator.code for indicator in self.indicators]
        if len(set(codes)) != len(codes):
            raise ValueError("indicator codes repeat")
        missing = set(Dimension) - {indicator.dimension for indicator in self.indicators}
        if missing:
            raise ValueError(f"every dimension needs an indicator: {', '.join(sorted(missing))}")
        return self

    def of(self, dimension: Dimension) -> list[Indicator]:
        return [indicator for indicator in self.indicators if indicator.dimension == dimension]

    def indicator(self, code: str) -> Indicator:
        return next(indicator for indicator in self.indicators if indicator.code == code)


def _computed(code, label, dimension, weight, query, target, **more) -> Indicator:
    return Indicator(code=code, label=label, dimension=dimension, weight=weight, source=SourceKind.computed,
                     query=query, target=target, **more)


D = Dimension
# Targets from the seeds where they give one: a meeting at term start and a review at term end
# (`004_…`), half a day of joint research every week (`002_…` 周周有约), the 交流轮岗 quotas (`002_…`:
# at least 5 long-term exchanges with town schools, 20 % of teachers on short ones; counted per term,
# the 5 for the alliance and for each school that takes part). Training counts and
# reflections are named by `004_…` without a number: 2 trainings and 1 reflection per teacher a term
# are the product's defaults, as are every weight, the weekly sessions' attendance and minutes targets
# and 2 mentor stages passed per school a term (`002_…` 青蓝工程 gives no stage count), and one
# resource shared and one taken up by another school per teacher a term (`004_…` 3.3 gives no number).
DEFAULT_SCHEME = Scheme(indicators=[
    _computed("term_start_meeting", "学期初联席会议", D.management, 10, "series.term_start_meeting", 1,
              rule=Rule.threshold),
    _computed("term_end_review", "学期末总结评估", D.management, 10, "series.term_end_review", 1, rule=Rule.threshold),
    _computed("minutes_on_time", "活动纪要按时率", D.management, 5, "series.minutes_on_time", 100, unit="%"),
    _computed("trainings_attended", "培训参与人次", D.teachers, 5, "campaigns.training_checkins", 2,
              per_teacher=True, unit="人"),
    _computed("mentor_stages_passed", "师徒阶段考评合格", D.teachers, 5, "mentoring.stages_passed", 2, unit="项"),
    _computed("reflections", "教学反思", D.teachers, 5, "campaigns.reflections", 1, per_teacher=True, unit="篇"),
    Indicator(code="teaching_results", label="教学成果", dimension=D.teachers, weight=5, source=SourceKind.entered,
              target=2, unit="项"),
    Indicator(code="shared_results", label="成果展示与共享", dimension=D.resources, weight=5,
              source=SourceKind.entered, target=3, unit="项"),
    _computed("resources_shared", "上传共享资源", D.resources, 5, "library.resources_shared", 1, per_teacher=True,
              unit="项"),
    _computed("resources_borrowed", "资源被他校借鉴", D.resources, 5, "library.borrowed_by_other_schools", 1,
              per_teacher=True, unit="次"),
    _computed("exchanges_long", "与乡镇学校长期交流", D.resources, 5, "exchanges.long_term", 5, unit="人"),
    _computed("exchanges_short", "短期跟岗交流教师占比", D.resources, 5, "exchanges.short_share", 20, unit="%"),
    _computed("sessions_held", "联合教研活动", D.collaboration, 5, "series.sessions_held", 16),
    _computed("half_day_weeks", "每周半天联合教研", D.collaboration, 10, "series.half_day_weeks", 100, unit="%"),
    _computed("session_attendance", "联合教研出勤率", D.collaboration, 5, "series.attendance_rate", 90, unit="%"),
    _computed("campaigns_completed", "订单式教研完成", D.improvement, 5, "campaigns.completed", 1, unit="项"),
    _computed("topics_completed", "专题研究结题", D.improvement, 5, "campaigns.topics_completed", 2, unit="项"),
    Indicator(code="satisfaction", label="合作满意度", dimension=D.improvement, weight=10, source=SourceKind.survey,
              target=85, unit="分"),
])
