"""The organisation tree (区/县 → 学段组 → 片区 → 学校 → 教师) and the people who use the product."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from contracts.limits import Id, Patch

# Mainland mobile numbers: robots @-mention teachers by them, so they are checked at the door.
MOBILE_PATTERN = r"^1[3-9]\d{9}$"

MAX_NAME = 100
MAX_SUBJECTS = 20
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME)]
Mobile = Annotated[str, StringConstraints(strip_whitespace=True, pattern=MOBILE_PATTERN)]
StaffNo = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_-]{1,32}$")]
Address = Annotated[str, StringConstraints(max_length=200)]
Subjects = Annotated[list[Name], Field(max_length=MAX_SUBJECTS)]


class Role(StrEnum):
    admin = "admin"
    staff = "staff"  # 教研员
    teacher = "teacher"


class GradeBand(StrEnum):
    """学段 of a teacher, a school group or a campaign scope."""

    preschool = "学前"
    primary = "小学"
    junior = "初中"
    senior = "高中"


class Locality(StrEnum):
    """Where a school is (城乡): an exchange "with a town school" (与乡镇学校交流) is one whose other end
    is 乡镇 or 农村."""

    urban = "城区"
    town = "乡镇"
    rural = "农村"


TOWN_LOCALITIES = frozenset({Locality.town, Locality.rural})


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class DistrictIn(BaseModel):
    name: Name
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]


class DistrictUpdate(Patch):
    name: Name = None


class DistrictOut(_Out):
    id: int
    name: str
    code: str


class SchoolGroupIn(BaseModel):
    district_id: Id
    name: Name  # 高中组, 初中组, 区直小学组, 农村小学组, 幼教组
    grade_band: GradeBand


class SchoolGroupUpdate(Patch):
    name: Name = None
    grade_band: GradeBand = None


class SchoolGroupOut(_Out):
    id: int
    district_id: int
    name: str
    grade_band: GradeBand


class ClusterIn(BaseModel):
    school_group_id: Id
    name: Name
    organiser_user_id: Id | None = None  # 片长


class ClusterUpdate(Patch):
    name: Name = None
    organiser_user_id: Id | None = None
    lead_school_id: Id | None = None  # 牵头校 of an education alliance


class ClusterOut(_Out):
    id: int
    school_group_id: int
    name: str
    organiser_user_id: int | None
    lead_school_id: int | None


class SchoolIn(BaseModel):
    cluster_id: Id
    name: Name
    address: Address = ""
    contact_user_id: Id | None = None
    locality: Locality = Locality.urban


class SchoolUpdate(Patch):
    cluster_id: Id = None
    name: Name = None
    address: Address = None
    contact_user_id: Id | None = None
    locality: Locality = None


class SchoolOut(_Out):
    id: int
    cluster_id: int
    name: str
    address: str
    contact_user_id: int | None
    locality: Locality


class TeacherIn(BaseModel):
    staff_no: StaffNo  # 工号
    name: Name
    school_id: Id
    subjects: Subjects = Field(default_factory=list)
    grade_band: GradeBand
    phone: Mobile
    email: EmailStr | None = None


class TeacherUpdate(Patch):
    name: Name = None
    school_id: Id = None
    subjects: Subjects = None
    grade_band: GradeBand = None
    phone: Mobile = None
    email: EmailStr | None = None
    active: bool = None


class TeacherOut(_Out):
    id: int
    staff_no: str
    name: str
    school_id: int
    subjects: list[str]
    grade_band: GradeBand
    phone: str
    email: str | None
    active: bool
    user_id: int | None


class UserIn(BaseModel):
    """Research staff (教研员) and admins; teachers get their logins from the directory."""

    username: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_.-]{3,64}$")]
    password: Annotated[str, StringConstraints(min_length=8, max_length=128)]
    role: Role = Role.staff
    display_name: Name
    phone: Mobile | None = None
    email: EmailStr | None = None
    subjects: Subjects = Field(default_factory=list)


class UserUpdate(Patch):
    display_name: Name = None
    phone: Mobile | None = None
    email: EmailStr | None = None
    subjects: Subjects = None
    active: bool = None
    password: Annotated[str, StringConstraints(min_length=8, max_length=128)] = None


class UserOut(_Out):
    id: int
    username: str
    role: Role
    display_name: str
    phone: str | None
    email: str | None
    subjects: list[str]
    active: bool
    teacher_id: int | None
    must_change_password: bool
    created_at: datetime


class PasswordChange(BaseModel):
    current_password: Annotated[str, StringConstraints(max_length=128)]
    new_password: Annotated[str, StringConstraints(min_length=8, max_length=128)]


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


class ActivationCodeOut(_Out):
    """A teacher's new activation code (开通码): shown once, stored only hashed."""

    username: str
    name: str
    school: str
    code: str
    expires_at: datetime
    email: str | None  # where it is e-mailed as well


class ImportRowError(BaseModel):
    row: int  # as the spreadsheet numbers it: the header is row 1
    column: str
    reason: str


class ImportRejected(BaseModel):
    """The import's 422, nothing imported: a refused file (its first errors and how many more),
    or a request without a file (FastAPI's `detail` list)."""

    detail: str | list[dict[str, Any]]
    errors: list[ImportRowError] = Field(default_factory=list)
    more_errors: int = 0


class ImportResult(BaseModel):
    created: int
    updated: int
    unchanged: int
    logins_created: int  # they open with an activation code: POST /schools/{id}/activation-sheet
    # Staff numbers of deactivated teachers in the file: left as they are, still deactivated
    # (reactivate one with PATCH /teachers/{id} {"active": true}).
    deactivated: list[str] = Field(default_factory=list)

