"""The one entry point every workflow uses to tell people something.

A workflow calls `workflows.notify.notify(NotifyRequest(...))`. Recipients are either explicit
user ids (a few people: a topic lead, the staff) or an `Audience`: a named query resolved in the
activity at send time (thousands of teachers, "those who have not acted yet"), so big lists never
pass through workflow history."""

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, model_validator


class NotificationKind(StrEnum):
    campaign_opened = "campaign_opened"
    phase_opened = "phase_opened"
    submission_reminder = "submission_reminder"
    topics_pending = "topics_pending"  # staff have not confirmed the topics yet
    topics_confirmed = "topics_confirmed"
    training_invitation = "training_invitation"
    training_reminder = "training_reminder"
    training_absent = "training_absent"
    plan_requested = "plan_requested"
    plan_submitted = "plan_submitted"
    plan_returned = "plan_returned"
    plan_approved = "plan_approved"
    plan_reminder = "plan_reminder"
    task_assigned = "task_assigned"
    task_overdue = "task_overdue"
    task_reminder = "task_reminder"  # a task is due before the practice phase closes
    reflection_reminder = "reflection_reminder"
    report_ready = "report_ready"
    escalation = "escalation"
    campaign_cancelled = "campaign_cancelled"
    session_announcement = "session_announcement"
    session_reminder = "session_reminder"
    session_changed = "session_changed"
    session_cancelled = "session_cancelled"
    minutes_missing = "minutes_missing"
    session_absent = "session_absent"


# Cannot be switched off by a teacher and are never held back by quiet hours.
CRITICAL_KINDS = frozenset({NotificationKind.escalation, NotificationKind.campaign_cancelled})
# Time-bound: never bundled into the daily digest (critical kinds are not either).
URGENT_KINDS = CRITICAL_KINDS | {
    NotificationKind.session_changed, NotificationKind.session_cancelled, NotificationKind.session_reminder,
    NotificationKind.training_reminder,
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
    pending = "pending"
    deferred = "deferred"  # held until quiet hours end or the daily digest
    sent = "sent"
    failed = "failed"


class Audience(BaseModel):
    """A named recipient query (see notifications/audiences.py), e.g.
    Audience(name="campaign.not_submitted", params={"campaign_id": 7})."""

    name: str
    params: dict[str, Any] = Field(default_factory=dict)


class NotifyRequest(BaseModel):
    kind: NotificationKind
    # What the notice is about, stable across retries and replays: e.g.
    # "campaign:7:collect_topics:reminder:-24h". One notice per (key, recipient, channel), ever.
    key: str = Field(min_length=1, max_length=200)
    user_ids: list[int] = Field(default_factory=list)
    audience: Audience | None = None
    data: dict[str, Any] = Field(default_factory=dict)  # template variables
    link: str = ""  # path under PUBLIC_BASE_URL, e.g. "/console/campaigns/7/problems/new"
    campaign_id: int | None = None
    series_id: int | None = None

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
