"""Weekly joint sessions: the term series, its sessions, participants, check-ins, minutes,
calendar tokens and the change log. The database holds the session state; the workflow only
keeps time."""

import uuid
from datetime import date, datetime, time

from sqlalchemy import JSON, ForeignKey, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from contracts import workflow_ids
from contracts.series.api import CalendarScope, SessionStatus
from contracts.series.history import SeriesStatus
from models.base import Base, TimestampMixin, utcnow


class Series(TimestampMixin, Base):
    __tablename__ = "series"

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    term: Mapped[str] = mapped_column(String(32), default="")
    weekday: Mapped[int]  # ISO, local
    start_time: Mapped[time] = mapped_column(Time)  # local
    end_time: Mapped[time] = mapped_column(Time)
    term_start: Mapped[date]
    term_end: Mapped[date]
    skip_dates: Mapped[list[str]] = mapped_column(JSON, default=list)  # ISO local dates
    host_rotation: Mapped[list[int]] = mapped_column(JSON, default=list)  # school ids, in turn
    agenda: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str | None] = mapped_column(String(50))
    campaign_id: Mapped[int | None] = mapped_column(index=True)  # no FK: campaigns live in their own module
    organiser_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[SeriesStatus] = mapped_column(String(16), default=SeriesStatus.active, index=True)
    announce_days_before: Mapped[int]
    reminder_minutes_before: Mapped[list[int]] = mapped_column(JSON, default=list)
    checkin_opens_minutes_before: Mapped[int]
    checkin_closes_minutes_after: Mapped[int]
    minutes_due_days: Mapped[int]
    escalate_after_days: Mapped[int]
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @property
    def workflow_id(self) -> str:
        return workflow_ids.series(self.id)


class SeriesSession(TimestampMixin, Base):
    __tablename__ = "series_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]  # 1-based in the term
    week: Mapped[int]  # term week, 1 = the week of term_start
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    status: Mapped[SessionStatus] = mapped_column(String(16), default=SessionStatus.scheduled, index=True)
    host_school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    place: Mapped[str] = mapped_column(String(200), default="")
    theme: Mapped[str] = mapped_column(String(200), default="")
    agenda: Mapped[str] = mapped_column(Text, default="")
    recorder_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # default: host school contact
    skip_reason: Mapped[str] = mapped_column(String(500), default="")
    # RFC 5545: the UID never changes; SEQUENCE grows with every change calendars must notice.
    uid: Mapped[str] = mapped_column(String(64), unique=True, default=lambda: uuid.uuid4().hex)
    sequence: Mapped[int] = mapped_column(default=0)


class SeriesParticipant(Base):
    """Membership over time: a session's participants are those joined before it started and
    not left by then, so people added or removed mid-term only change later sessions."""

    __tablename__ = "series_participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("teachers.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    joined_at: Mapped[datetime]
    left_at: Mapped[datetime | None]
    added_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    removed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class SessionCheckin(Base):
    __tablename__ = "session_checkins"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("series_sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    checked_in_at: Mapped[datetime]


class SessionMinutes(Base):
    """The record (纪要) of one session, written by the host's recorder."""

    __tablename__ = "session_minutes"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("series_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    content: Mapped[str] = mapped_column(Text)
    links: Mapped[list[str]] = mapped_column(JSON, default=list)
    submitted_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CalendarToken(Base):
    """A private feed URL. Only the SHA-256 of the token is stored; re-issuing revokes the old one."""

    __tablename__ = "calendar_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    scope: Mapped[CalendarScope] = mapped_column(String(16))
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("clusters.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class SeriesChange(Base):
    """Who changed what and when: the audit trail the console's timeline reads."""

    __tablename__ = "series_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("series_sessions.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(40))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
