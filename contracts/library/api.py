"""The shared library (合作教研云) over HTTP: resources, their versions and files, search, borrowings,
the offers to publish what the work produced, and staff's per-school figures."""

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from annotated_types import MaxLen
from pydantic import BaseModel, Field, StringConstraints

from contracts.directory.api import GradeBand
from contracts.limits import Id
from contracts.links import WebLink


class ResourceKind(StrEnum):
    lesson_plan = "lesson_plan"  # 教案
    courseware = "courseware"  # 课件
    reflection = "reflection"  # 反思
    minutes = "minutes"  # 纪要
    recording = "recording"  # 课例录像
    school_course = "school_course"  # 校本课程
    experience = "experience"  # 经验材料


KIND_LABELS = {
    ResourceKind.lesson_plan: "教案", ResourceKind.courseware: "课件", ResourceKind.reflection: "反思",
    ResourceKind.minutes: "纪要", ResourceKind.recording: "课例录像", ResourceKind.school_course: "校本课程",
    ResourceKind.experience: "经验材料",
}  # fmt: skip


class Visibility(StrEnum):
    school = "school"  # 本校
    alliance = "alliance"  # 本片区（教联体）
    county = "county"  # 全县


VISIBILITY_LABELS = {Visibility.school: "本校", Visibility.alliance: "本片区", Visibility.county: "全县"}


class ResourceStatus(StrEnum):
    published = "published"
    withdrawn = "withdrawn"


class BorrowKind(StrEnum):
    view = "view"  # 浏览
    download = "download"  # 下载
    bookmark = "bookmark"  # 收藏
    use = "use"  # 借鉴: "I used this in my class"


BORROW_LABELS = {BorrowKind.view: "浏览", BorrowKind.download: "下载", BorrowKind.bookmark: "收藏", BorrowKind.use: "借鉴"}


class SourceKind(StrEnum):
    """The records of the work a resource may be filed from. A programme adds its kind here and one
    line in services/library/sources.py (tour stops, mentor pairs)."""

    plan = "plan"  # a campaign topic's approved plan
    reflection = "reflection"  # a campaign reflection
    minutes = "minutes"  # a weekly session's minutes


class OfferStatus(StrEnum):
    offered = "offered"
    accepted = "accepted"
    declined = "declined"


def term_of(day: date) -> str:
    """The school term a day falls in: 2027春 (February–July), 2026秋 (August–January)."""
    if day.month >= 8:
        return f"{day.year}秋"
    return f"{day.year - 1}秋" if day.month == 1 else f"{day.year}春"


Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class SimilarResource(BaseModel):
    """An existing resource the new file or text is nearly the same as, shown before publishing."""

    resource_id: int
    title: str
    reason: str  # same_bytes | similar_text
    similarity: float


class UploadOut(BaseModel):
    """A checked file, stored and waiting to become a resource or a version of one."""

    id: int
    filename: str
    media_type: str
    size: int
    sha256: str
    similar: list[SimilarResource]


class ResourceIn(BaseModel):
    kind: ResourceKind
    title: Title
    description: Annotated[str, StringConstraints(max_length=20_000)] = ""
    subject: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | None = None
    grade_band: GradeBand | None = None
    tags: Annotated[list[Tag], MaxLen(20)] = []
    visibility: Visibility = Visibility.county
    file_id: Id | None = Field(default=None, description="an upload (POST /library/uploads); or a link")
    link: WebLink | None = None


class VersionIn(BaseModel):
    file_id: Id | None = None
    link: WebLink | None = None
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


class VersionOut(BaseModel):
    number: int
    filename: str | None
    media_type: str | None
    size: int | None
    link: str | None
    note: str
    created_at: datetime


class Counts(BaseModel):
    """Borrowings by others than the author: her own views never count."""

    views: int = 0
    downloads: int = 0
    bookmarks: int = 0
    uses: int = 0
    other_schools: int = 0  # schools other than the resource's own that borrowed it (any kind)


class ResourceOut(BaseModel):
    id: int
    kind: ResourceKind
    title: str
    description: str
    subject: str | None
    grade_band: GradeBand | None
    tags: list[str]
    visibility: Visibility
    status: ResourceStatus
    school_id: int
    school: str
    cluster_id: int
    author_user_id: int
    author: str
    origin: str  # where it was filed from, e.g. the campaign's title; empty for an upload
    source_kind: SourceKind | None
    source_id: int | None
    term: str
    version: int
    created_at: datetime
    counts: Counts


class BorrowingOut(BaseModel):
    kind: BorrowKind
    user: str
    school: str
    note: str
    at: datetime


class ResourceDetail(ResourceOut):
    versions: list[VersionOut]
    borrowings: list[BorrowingOut]  # the latest uses (借鉴) with their notes
    mine: list[BorrowKind]  # what the reader has done with it (bookmarked, used)


class SearchHit(ResourceOut):
    score: float


class SearchPage(BaseModel):
    items: list[SearchHit]
    total: int


@dataclass(frozen=True)
class Shelves:
    """What one reader may see, as the actions decided it (actions/library/visibility.py): every
    resource, or those shared with the county, with her alliance, with her school, and her own."""

    everything: bool = False
    alliance_id: int | None = None
    school_id: int | None = None
    own_user_id: int | None = None

    def hold(self, *, visibility: Visibility, cluster_id: int, school_id: int, author_user_id: int) -> bool:
        return (self.everything or visibility == Visibility.county or author_user_id == self.own_user_id
                or (visibility == Visibility.alliance and cluster_id == self.alliance_id)
                or (visibility == Visibility.school and school_id == self.school_id))


@dataclass(frozen=True)
class Filters:
    """What a search may be narrowed to (None: any)."""

    kind: ResourceKind | None = None
    subject: str | None = None
    grade_band: GradeBand | None = None
    school_id: int | None = None
    cluster_id: int | None = None  # the alliance
    term: str | None = None


class BorrowIn(BaseModel):
    note: Note = ""


class OfferOut(BaseModel):
    id: int
    source_kind: SourceKind
    source_id: int
    title: str
    origin: str
    status: OfferStatus
    resource_id: int | None


class OfferAccept(BaseModel):
    """What the author may still choose when she accepts; the rest is filled from the record."""

    visibility: Visibility = Visibility.county


class SchoolFigures(BaseModel):
    school_id: int
    school: str
    cluster_id: int
    cluster: str
    uploads: int
    borrowings: int  # by teachers of other schools, of this school's resources
    borrowed_elsewhere: int  # this school's teachers borrowing other schools' resources


class Figures(BaseModel):
    term: str
    schools: list[SchoolFigures]

