"""Shapes of the notification API: inbox, preferences, the delivery log, robot channels."""

from datetime import datetime
from typing import Annotated

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from contracts.directory.api import Page
from contracts.limits import Id
from contracts.links import mask_url
from contracts.notifications.history import ChannelName, DeliveryStatus, NotificationKind

HHMM = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
LOCALES = ("zh-CN", "en")
ALL_KINDS = "*"


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class InboxItemOut(_Out):
    id: int
    notification_id: int
    kind: NotificationKind
    title: str
    body: str
    link: str
    created_at: datetime
    read_at: datetime | None


class InboxPage(Page[InboxItemOut]):
    unread_count: int


class ReadAllOut(BaseModel):
    updated: int


class QuietHours(BaseModel):
    enabled: bool = True
    start: HHMM = "22:00"
    end: HHMM = "07:00"


class PreferencesIn(BaseModel):
    """The whole set (PUT replaces it). `muted` maps a kind, or "*" for every kind, to the
    channels switched off for it; critical kinds cannot be muted."""

    locale: str = "zh-CN"
    muted: dict[Annotated[str, StringConstraints(max_length=50)],
                Annotated[list[ChannelName], Field(max_length=len(ChannelName))]] = Field(
        default_factory=dict, max_length=len(NotificationKind) + 1
    )
    quiet_hours: QuietHours = Field(default_factory=QuietHours)
    digest: bool = False  # bundle non-urgent e-mails into one a day

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in LOCALES:
            raise ValueError(f"locale must be one of {', '.join(LOCALES)}")
        return value


class PreferencesOut(PreferencesIn):
    critical_kinds: list[NotificationKind]  # always delivered on every channel, never deferred


class DeliveryOut(BaseModel):
    id: int
    notification_id: int
    key: str
    kind: NotificationKind
    campaign_id: int | None
    user_id: int
    channel: ChannelName
    robot_id: int | None
    status: DeliveryStatus
    attempts: int
    last_error: str | None
    not_before: datetime | None
    sent_at: datetime | None
    created_at: datetime
    updated_at: datetime


class RetryOut(BaseModel):
    notification_id: int
    reset: int  # deliveries to send again: failed ones reopened, and open ones whose claim lapsed
    workflow_id: str | None


class RobotIn(BaseModel):
    """A group robot or webhook of one school or one cluster (exactly one of the two)."""

    kind: ChannelName
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    url: AnyHttpUrl
    secret: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    school_id: Id | None = None
    cluster_id: Id | None = None
    enabled: bool = True


class RobotOut(_Out):
    id: int
    kind: ChannelName
    name: str
    url: str  # masked (mask_url): the URL is a credential too
    has_secret: bool
    school_id: int | None
    cluster_id: int | None
    enabled: bool
    created_at: datetime

    @field_validator("url")
    @classmethod
    def _mask_tokens(cls, value: str) -> str:
        return mask_url(value)


RobotPage = Page[RobotOut]
