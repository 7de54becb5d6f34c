"""The one entry point every workflow uses to tell people something.

A workflow calls `workflows.notify.notify(NotifyRequest(...))`. Recipients are either explicit
user ids (a few people: a topic lead, the staff) or an `Audience`: a named query resolved in the
activity at send time (thousands of teachers, "those who have not acted yet"), so big lists never
pass through workflow history. What a notice says is its typed payload (contracts/notifications/notices.py);
the templates word it."""

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, Field, model_validator

from contracts.notifications.legacy_2026_11_23 import Notice_2026_11_23
# NotificationKind lives with the payloads; most code knows it from here.
from contracts.notifications.notices import NoticePayload, NotificationKind


# Cannot be switched off by a teacher and are never held back by quiet hours.
CRITICAL_KINDS = frozenset({NotificationKind.escalation, NotificationKind.campaign_cancelled,
                            NotificationKind.notice_rejected})
# What a cancelled campaign or an ended series still says: every other notice of it not yet sent
# is withdrawn.
CANCELLATION_KINDS = frozenset({NotificationKind.campaign_cancelled, NotificationKind.session_cancelled})
# Time-bound: never bundled into the daily digest (critical kinds are not either).
URGENT_KINDS = CRITICAL_KINDS | {
    NotificationKind.session_changed, NotificationKind.session_cancelled, NotificationKind.session_reminder,
    NotificationKind.training_reminder,
    NotificationKind.tour_stop_changed,
}


class ChannelName(StrEnum):
    """External channels; the in-app inbox is always on and is not one of them."""

    email = "email"
    wecom = "wecom"  # 企业微信 group robot
    dingtalk = "dingtalk"  # 钉钉 custom robot
    feishu = "feishu"  # 飞书 custom bot
    webhook = "webhook"  # generic JSON webhook, HMAC-SHA256 signed


ROBOT_CHANNELS = frozenset({ChannelName.wecom, ChannelName.dingtalk, ChannelName.feishu, ChannelName.webhook})


class DeliveryStatus(StrEnum):
    pending = "pending"  # due: a delivery run claims it (a lease) before sending
    deferred = "deferred"  # held until quiet hours end or the daily digest
    sent = "sent"
    failed = "failed"  # with the reason; a staff retry sends it again
    withdrawn = "withdrawn"  # its campaign was cancelled or its series ended before it went out


OPEN_STATUSES = (DeliveryStatus.pending, DeliveryStatus.deferred)  # not yet sent, failed or withdrawn


class Audience(BaseModel):
    """A named recipient query (see notifications/audiences.py), e.g.
    Audience(name="campaign.not_submitted", params={"campaign_id": 7})."""

    name: str
    params: dict[str, Any] = Field(default_factory=dict)


class NotifyRequest(BaseModel):
    payload: Annotated[NoticePayload | Notice_2026_11_23, Field(union_mode="left_to_right")]
    # What the notice is about, stable across retries and replays: e.g.
    # "campaign:7:collect_topics:reminder:-24h". One notice per (key, recipient, channel), ever.
    key: str = Field(min_length=1, max_length=200)
    user_ids: list[int] = Field(default_factory=list)
    audience: Audience | None = None
    link: str = ""  # path under PUBLIC_BASE_URL, e.g. "/console/campaigns/7/problems/new"
    campaign_id: int | None = None
    series_id: int | None = None

    @property
    def kind(self) -> NotificationKind:
        return self.payload.kind

    @model_validator(mode="before")
    @classmethod
    def _from_2026_11_23(cls, value: Any) -> Any:
        # Histories of runs started by the release of 2026-11-23 hold requests as `kind` + untyped
        # `data` (series steps and changes are replayed from them): read those as the payload they
        # carried, else as a Notice_2026_11_23.
        if isinstance(value, dict) and "payload" not in value and "data" in value:
            value = {k: v for k, v in value.items() if k not in ("kind", "data")} | {
                "payload": {**value["data"], "kind": value.get("kind")}}
        return value

    @model_validator(mode="after")
    def _has_recipients(self) -> "NotifyRequest":
        if not self.user_ids and self.audience is None:
            raise ValueError("a notification needs user_ids or an audience")
        return self


class NotifyResult(BaseModel):
    notification_id: int
    recipients: int
    inbox_created: int
    deliveries: int = 0  # external deliveries recorded for this notice (all, not only new ones)
    deferred: int = 0
