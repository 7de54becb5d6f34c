"""Mentor pairs (青蓝工程) over HTTP: a programme per alliance and school year, its pairs, their
logs, stage forms and verdicts, the staff board. None of these enters a workflow history."""

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from contracts.limits import Day, Id
from contracts.mentoring.history import Comment, PairStatus, Reason, Side, Verdict

SCHOOL_YEAR = re.compile(r"^(\d{4})-(\d{4})$")
MAX_STAGES = 6
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Subject = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30)]
Goals = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
FormText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


def _school_year(value: str) -> str:
    match = SCHOOL_YEAR.match(value)
    if not match or int(match[2]) != int(match[1]) + 1 or not 2000 <= int(match[1]) < 2199:
        raise ValueError("学年格式为 2026-2027 (school year as 2026-2027)")
    return value


SchoolYear = Annotated[str, AfterValidator(_school_year)]


class LogKind(StrEnum):
    """What the two did together."""

    observe = "observe"  # 听课
    critique = "critique"  # 评课
    demonstrate = "demonstrate"  # 示范课
    co_prepare = "co_prepare"  # 集体备课
    guide = "guide"  # 指导

    @property
    def label(self) -> str:
        return LOG_KIND_LABELS[self]


LOG_KIND_LABELS = {LogKind.observe: "听课", LogKind.critique: "评课", LogKind.demonstrate: "示范课",
                   LogKind.co_prepare: "集体备课", LogKind.guide: "指导"}


class ProgrammeIn(BaseModel):
    cluster_id: Id = Field(description="the alliance (教联体): a cluster with a lead school")
    school_year: SchoolYear
    title: Title = "青蓝工程"
    stage_dates: list[Day] = Field(default_factory=list, max_length=MAX_STAGES,
                                   description="staged assessments (阶段考评); empty = MENTORING_STAGE_DATES")
    monthly_log_quota: int = Field(default=-1, ge=-1, le=31,
                                   description="logs each side owes a month; -1 = MENTORING_MONTHLY_LOG_QUOTA")


class ProgrammeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    cluster_id: int
    school_year: str
    title: str
    stage_dates: list[date]
    monthly_log_quota: int


class PairIn(BaseModel):
    mentor_teacher_id: Id
    mentee_teacher_id: Id
    subject: Subject
    starts_on: Day | None = Field(default=None, description="default: the school year's 1 September")
    ends_on: Day | None = Field(default=None, description="default: the programme's last stage date")
    goals: Goals = Field(default="", description="培养任务和目标")

    @model_validator(mode="after")
    def _two_people(self) -> "PairIn":
        if self.mentor_teacher_id == self.mentee_teacher_id:
            raise ValueError("师傅和徒弟不能是同一人 (mentor and mentee must differ)")
        return self


class PairOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    programme_id: int
    mentor_teacher_id: int
    mentee_teacher_id: int
    subject: str
    starts_on: date
    ends_on: date
    goals: str
    status: PairStatus
    current_stage: int
    ended_reason: str


class LogIn(BaseModel):
    kind: LogKind
    happened_on: Day
    note: Note


class LogOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    pair_id: int
    kind: LogKind
    happened_on: date
    note: str
    side: Side
    author_user_id: int
    confirmed_at: datetime | None


class StageFormIn(BaseModel):
    summary: FormText = Field(description="what was done in this stage, and how it went")
    next_goals: Goals = ""


class StageFormOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    pair_id: int
    stage: int
    side: Side
    summary: str
    next_goals: str
    submitted_at: datetime


class ImprovementPlanIn(BaseModel):
    plan: FormText


class VerdictIn(BaseModel):
    verdict: Verdict
    comment: Comment = ""


class ReplaceMentorIn(BaseModel):
    mentor_teacher_id: Id
    reason: Reason = ""


class ExtendIn(BaseModel):
    ends_on: Day
    reason: Reason = ""


class EndIn(BaseModel):
    reason: Reason = ""


class StageView(BaseModel):
    number: int
    due_on: date
    forms: dict[Side, StageFormOut | None]
    verdicts: list[dict]  # [{"verdict", "label", "comment", "decided_at", "improvement_plan"}], oldest first
    current: bool


class PairDetail(PairOut):
    mentor_name: str
    mentee_name: str
    mentor_school: str
    mentee_school: str
    programme_title: str
    school_year: str
    monthly_log_quota: int
    stages: list[StageView]
    logs: list[LogOut]


class PairRow(BaseModel):
    """One pair on the staff board."""

    id: int
    mentor_name: str
    mentee_name: str
    subject: str
    status: PairStatus
    current_stage: int
    behind: list[str]  # in words: "徒弟本月记录 0/2"、"徒弟阶段表未交"


class TeacherRef(BaseModel):
    id: int
    name: str
    school: str


class Board(BaseModel):
    programme: ProgrammeOut
    pairs: list[PairRow]
    behind: list[PairRow]
    without_mentor: list[TeacherRef]  # the alliance's teachers in no pair of the programme


class PairsImportResult(BaseModel):
    created: int
    updated: int  # goals or subject changed
    unchanged: int
