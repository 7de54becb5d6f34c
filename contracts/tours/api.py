"""Touring lessons (送教下乡 · 巡回送教) over HTTP: tours, their stops, the presenter's checklist,
check-in, the host school's feedback and the recording. None of these enters a workflow history."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from contracts.limits import Id, Ids, Moment
from contracts.links import WebLink
from contracts.schedule import OccurrenceStatus
from contracts.tours.history import TourStatus

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
ChecklistItem = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]

MAX_STOPS = 60  # a school year of weekly stops, answered unpaged
MAX_CHECKLIST = 20

# The preparation checklist a new tour starts from (001_… §一: 「做好授课前的各项准备工作,送教应体现
# 新理念、新理论、新教法,既考虑教路,也要考虑学情,为各种不测多做几手准备」); a tour may list its own.
DEFAULT_CHECKLIST = (
    "教学设计体现新理念、新理论、新教法",
    "了解送教学校学情（班级、学生、已学内容）",
    "与承办学校确认时间、地点、班级和设备",
    "课件、教具试用，并备好应对意外的预案（备用课件、离线版本）",
)


class StopIn(BaseModel):
    host_school_id: Id
    starts_at: Moment = Field(description="naive times are read as local time (Asia/Shanghai)")
    ends_at: Moment
    place: ShortText = Field(default="", description="default: the host school's address")
    topic: ShortText = ""

    @model_validator(mode="after")
    def _ordered(self) -> "StopIn":
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at (结束时间须晚于开始时间)")
        return self


class StudioIn(BaseModel):
    """A 名师工作室: its name and its members (users: teachers or staff)."""

    name: Title
    member_user_ids: Ids = Field(min_length=1)


class StudioOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    member_user_ids: list[int]


class TourIn(BaseModel):
    """A presenter (a teacher) or a studio presents; one stop per date."""

    title: Title
    subject: ShortText = ""
    presenter_user_id: Id | None = None
    studio_id: Id | None = None
    stops: list[StopIn] = Field(min_length=1, max_length=MAX_STOPS)
    checklist: list[ChecklistItem] = Field(default_factory=lambda: list(DEFAULT_CHECKLIST), min_length=1,
                                           max_length=MAX_CHECKLIST)

    @model_validator(mode="after")
    def _one_presenter(self) -> "TourIn":
        if (self.presenter_user_id is None) == (self.studio_id is None):
            raise ValueError("name presenter_user_id or studio_id, one of them (主讲教师或名师工作室，二选一)")
        return self


class TourOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    subject: str
    presenter_user_id: int | None
    studio_id: int | None
    status: TourStatus
    checklist_items: list[str]
    created_at: datetime


class StopSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    tour_id: int
    number: int
    host_school_id: int
    host_school_name: str = ""
    starts_at: datetime
    ends_at: datetime
    place: str
    topic: str
    status: OccurrenceStatus
    sequence: int
    skip_reason: str
    checklist_due_at: datetime
    checklist_ticked: list[int]
    checklist_complete: bool = False
    checked_in: int = 0
    has_feedback: bool = False
    recording_link: str | None


class TourDetail(TourOut):
    presenters: list[str] = Field(default_factory=list)  # names: the presenter, or the studio's members
    stops: list[StopSummary]


class FeedbackIn(BaseModel):
    """The host school's feedback (反馈表) on a stop."""

    rating: int = Field(ge=1, le=5, description="1 (poor) … 5 (excellent)")
    strengths: LongText = ""
    suggestions: LongText = ""


class FeedbackOut(FeedbackIn):
    model_config = ConfigDict(from_attributes=True)

    submitted_by_user_id: int
    submitted_at: datetime


class StopDetail(StopSummary):
    tour_title: str
    checklist_items: list[str]
    checkin_opens_at: datetime
    checkin_closes_at: datetime
    feedback: FeedbackOut | None = None


class ChecklistIn(BaseModel):
    ticked: list[Annotated[int, Field(ge=0, lt=MAX_CHECKLIST)]] = Field(
        max_length=MAX_CHECKLIST, description="positions of the items done (0-based); the others are not")


class RecordingIn(BaseModel):
    link: WebLink


class StopSkipIn(BaseModel):
    reason: Reason


class TourEndIn(BaseModel):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


class StopCheckinOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    stop_id: int
    user_id: int
    checked_in_at: datetime


class TourImportResult(BaseModel):
    created: int  # tours
    unchanged: int  # tours already imported, as they were
    stops: int  # stops created
