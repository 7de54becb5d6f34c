"""Weekly joint sessions over HTTP: a term series per cluster and its sessions, the API's bodies
and answers. None of these enters a workflow history (those types are in history.py)."""

from datetime import date, datetime, time
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator, model_validator

from contracts.limits import Day, Id, Ids, Moment, Patch
from contracts.links import WebLink
from contracts.schedule import CALLED_OFF, OccurrenceStatus, RescheduleIn
from contracts.series.history import SeriesStatus

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


LongText = Annotated[str, StringConstraints(max_length=20000)]
ShortText = Annotated[str, StringConstraints(max_length=200)]


# One school year at most: a series is planned per term, and its sessions are answered unpaged.
MAX_TERM_DAYS = 366
MAX_WEEKS = MAX_TERM_DAYS // 7 + 1


# A session is one occurrence of the shared schedule (contracts/schedule.py), as a tour's stop is.
SessionStatus = OccurrenceStatus


class SeriesIn(BaseModel):
    title: Title
    weekday: int = Field(ge=1, le=7, description="ISO weekday in local time: 1 = Monday (周一)")
    start_time: time = Field(description="local start, e.g. 14:00")
    end_time: time = Field(description="local end, e.g. 17:00")
    term_start: Day
    term_end: Day
    term: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] = ""  # e.g. 2026-2027-1
    host_school_ids: Ids = Field(
        default_factory=list, description="explicit host rotation; empty = round-robin over the cluster's schools"
    )
    skip_dates: list[Day] = Field(default_factory=list, max_length=MAX_TERM_DAYS,
                                   description="local dates without a session")
    themes: dict[Annotated[int, Field(ge=1, le=MAX_WEEKS)], ShortText] = Field(
        default_factory=dict, description="theme per term week (week 1 = first week)"
    )
    agenda: LongText = ""
    subject: Annotated[str, StringConstraints(max_length=30)] | None = Field(
        default=None, description="only the cluster's teachers of this subject"
    )
    campaign_id: Id | None = None
    organiser_user_id: Id | None = Field(default=None, description="default: the cluster's organiser (片长)")
    announce_days_before: int = Field(default=3, ge=0, le=30)
    reminder_minutes_before: list[Annotated[int, Field(ge=1, le=7 * 24 * 60)]] = Field(
        default_factory=lambda: [24 * 60, 120], max_length=5
    )
    checkin_opens_minutes_before: int | None = Field(
        default=None, ge=0, le=24 * 60, description="default: CHECKIN_SESSION_OPENS_MINUTES_BEFORE (30)")
    checkin_closes_minutes_after: int | None = Field(
        default=None, ge=0, le=24 * 60, description="after the start; default: CHECKIN_SESSION_CLOSES_MINUTES_AFTER (60)")
    minutes_due_days: int = Field(default=3, ge=1, le=60)
    escalate_after_days: int = Field(default=2, ge=1, le=60, description="after the due date, tell the organiser")

    @model_validator(mode="after")
    def _coherent(self) -> "SeriesIn":
        if self.end_time <= self.start_time:
            raise ValueError("end_time must be after start_time (结束时间须晚于开始时间)")
        return self

    @field_validator("term_end")
    @classmethod
    def _within_a_school_year(cls, term_end: date, info: ValidationInfo) -> date:
        term_start = info.data.get("term_start")
        if term_start is not None and term_end < term_start:
            raise ValueError("term_end must not be before term_start (学期结束不能早于开始)")
        if term_start is not None and (term_end - term_start).days > MAX_TERM_DAYS:
            raise ValueError(f"a series spans one school year at most ({MAX_TERM_DAYS} days, 最长一学年)")
        return term_end


class SessionSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: int  # 1-based among the series' sessions
    week: int
    starts_at: datetime
    ends_at: datetime
    status: SessionStatus
    host_school_id: int
    host_school_name: str = ""
    place: str
    theme: str
    sequence: int
    participants: int = 0
    checked_in: int = 0
    has_minutes: bool = False


class SeriesOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    cluster_id: int
    title: str
    term: str
    weekday: int
    start_time: time
    end_time: time
    term_start: Day
    term_end: Day
    status: SeriesStatus
    organiser_user_id: int | None
    subject: str | None
    campaign_id: int | None
    workflow_id: str


class SeriesDetail(SeriesOut):
    participants: int
    upcoming: list[SessionSummary]
    past: list[SessionSummary]


class MinutesIn(BaseModel):
    content: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50000)]
    links: list[WebLink] = Field(default_factory=list, max_length=20)


class MinutesOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    content: str
    links: list[str]
    submitted_by_user_id: int
    submitted_at: datetime
    updated_at: datetime


class SessionCheckinOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    user_id: int
    checked_in_at: datetime


class SessionDetail(SessionSummary):
    series_id: int
    agenda: str
    recorder_user_id: int | None
    skip_reason: str
    checkin_opens_at: datetime
    checkin_closes_at: datetime
    minutes_due_at: datetime
    minutes: MinutesOut | None
    checkins: list[SessionCheckinOut]


class SessionUpdate(Patch):
    host_school_id: Id = None
    place: ShortText = None
    theme: ShortText = None
    agenda: LongText = None
    recorder_user_id: Id | None = None


class SkipIn(BaseModel):
    reason: Reason


class ParticipantsIn(BaseModel):
    teacher_ids: Ids = Field(min_length=1)


class ParticipantsOut(BaseModel):
    added: list[int]
    already: list[int]


class CalendarScope(StrEnum):
    me = "me"  # the sessions I take part in
    cluster = "cluster"  # every session of one cluster


class CalendarTokenIn(BaseModel):
    scope: CalendarScope = CalendarScope.me
    cluster_id: Id | None = None

    @model_validator(mode="after")
    def _cluster_named(self) -> "CalendarTokenIn":
        if (self.scope == CalendarScope.cluster) != (self.cluster_id is not None):
            raise ValueError("cluster_id is required for, and only for, scope=cluster")
        return self


class CalendarTokenOut(BaseModel):
    token: str
    url: str
    scope: CalendarScope
    cluster_id: int | None
