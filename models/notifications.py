"""Notices, the in-app inbox, the delivery log of the external channels, preferences and the
robots configured per school or cluster."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from contracts.notifications.history import ChannelName, DeliveryStatus, NotificationKind
from models.base import Base, TimestampMixin, utcnow


class Notification(Base):
    """One notice as sent: kind, data, link; unique by what it is about (its idempotency key)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[NotificationKind] = mapped_column(String(40), index=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(500), default="")
    campaign_id: Mapped[int | None] = mapped_column(index=True)
    series_id: Mapped[int | None] = mapped_column(index=True)
    recipient_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboxItem(Base):
    """The in-app copy of a notice for one user: always written, whatever the other channels do."""

    __tablename__ = "inbox_items"
    __table_args__ = (UniqueConstraint("notification_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[NotificationKind] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class RobotChannel(TimestampMixin, Base):
    """A group robot (WeCom, DingTalk, Feishu) or a signed webhook of one school or one cluster.
    The secret signs requests; the API never returns it."""

    __tablename__ = "robot_channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ChannelName] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str | None] = mapped_column(String(200))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"), index=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @property
    def has_secret(self) -> bool:
        return bool(self.secret)


class Delivery(TimestampMixin, Base):
    """One notice to one user on one external channel: the idempotency unit. A delivery run claims
    a row (a lease: owner and expiry) before sending it and ends the claim in the statement that
    records the outcome, so a second run, or a retried activity, skips rows sent or held."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        UniqueConstraint("notification_id", "user_id", "channel"),
        Index("ix_notification_deliveries_status_not_before", "status", "not_before"),
        Index("ix_notification_deliveries_group", "notification_id", "group_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    channel: Mapped[ChannelName] = mapped_column(String(16))
    robot_id: Mapped[int | None] = mapped_column(ForeignKey("robot_channels.id", ondelete="SET NULL"))
    status: Mapped[DeliveryStatus] = mapped_column(String(16), default=DeliveryStatus.pending)
    digest: Mapped[bool] = mapped_column(default=False)  # goes out with the user's daily digest
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    not_before: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(100))  # the delivery attempt sending it
    lease_until: Mapped[datetime | None]  # the claim lapses then unless renewed
    # Robot rows that go out as one message share a group number (per notice), fixed at publish:
    # a message is always claimed, and resent, whole under the same X-Jiaoyan-Delivery id.
    group_id: Mapped[int | None]


class Preference(TimestampMixin, Base):
    """A user's notification settings; no row means the defaults (zh-CN, everything on,
    quiet hours from the settings, no digest)."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    locale: Mapped[str] = mapped_column(String(8), default="zh-CN")
    muted: Mapped[dict] = mapped_column(JSON, default=dict)  # kind or "*" -> channels switched off
    quiet_hours: Mapped[bool] = mapped_column(default=True)
    quiet_start: Mapped[str | None] = mapped_column(String(5))  # "HH:MM"; None: the settings' default
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    digest: Mapped[bool] = mapped_column(default=False)
