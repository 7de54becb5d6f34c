"""Touring lessons (送教下乡 · 巡回送教): studios (名师工作室), tours, their stops, check-ins, the
host school's feedback and the change log. The database holds the stops; the tour's run only keeps
time."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from contracts import workflow_ids
from contracts.schedule import OccurrenceStatus
from contracts.tours.history import TourStatus
from models.base import Base, TimestampMixin, utcnow


class Studio(TimestampMixin, Base):
    """A famous teacher's studio (名师工作室): a name and its members, who present together."""

    __tablename__ = "tour_studios"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class StudioMember(Base):
    __tablename__ = "tour_studio_members"

    studio_id: Mapped[int] = mapped_column(ForeignKey("tour_studios.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)


class Tour(TimestampMixin, Base):
    __tablename__ = "tours"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200), default="")
    presenter_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    studio_id: Mapped[int | None] = mapped_column(ForeignKey("tour_studios.id"), index=True)
    status: Mapped[TourStatus] = mapped_column(String(16), default=TourStatus.active, index=True)
    checklist_items: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Fixed when the tour is created (settings): its run acts on them.
    checklist_days_before: Mapped[int]
    checkin_opens_minutes_before: Mapped[int]
    checkin_closes_minutes_after: Mapped[int]
    feedback_chase_days: Mapped[int]
    feedback_chases: Mapped[int]
    # An imported tour's key (its title and presenter as the sheet named them): importing again finds it.
    import_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    end_reason: Mapped[str] = mapped_column(String(500), default="")

    @property
    def workflow_id(self) -> str:
        return workflow_ids.tour(self.id)


class TourStop(TimestampMixin, Base):
    __tablename__ = "tour_stops"

    id: Mapped[int] = mapped_column(primary_key=True)
    tour_id: Mapped[int] = mapped_column(ForeignKey("tours.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]  # 1-based in the tour
    host_school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(200), default="")
    topic: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[OccurrenceStatus] = mapped_column(String(16), default=OccurrenceStatus.scheduled, index=True)
    skip_reason: Mapped[str] = mapped_column(String(500), default="")
    checklist_ticked: Mapped[list[int]] = mapped_column(JSON, default=list)  # positions in the tour's checklist
    checklist_done_at: Mapped[datetime | None]
    recording_link: Mapped[str | None] = mapped_column(String(500))
    # RFC 5545: the UID never changes; SEQUENCE grows with every change calendars must notice.
    uid: Mapped[str] = mapped_column(String(64), unique=True, default=lambda: uuid.uuid4().hex)
    sequence: Mapped[int] = mapped_column(default=0)


class TourStopCheckin(Base):
    __tablename__ = "tour_stop_checkins"
    __table_args__ = (UniqueConstraint("stop_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stop_id: Mapped[int] = mapped_column(ForeignKey("tour_stops.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    checked_in_at: Mapped[datetime]


class TourFeedback(Base):
    """The host school's feedback form (反馈表) on one stop."""

    __tablename__ = "tour_feedback"

    stop_id: Mapped[int] = mapped_column(ForeignKey("tour_stops.id", ondelete="CASCADE"), primary_key=True)
    rating: Mapped[int]
    strengths: Mapped[str] = mapped_column(Text, default="")
    suggestions: Mapped[str] = mapped_column(Text, default="")
    submitted_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime]


class TourChange(Base):
    """Who changed what and when; `data["for_run"]` holds what the tour's run must be told."""

    __tablename__ = "tour_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    tour_id: Mapped[int] = mapped_column(ForeignKey("tours.id", ondelete="CASCADE"), index=True)
    stop_id: Mapped[int | None] = mapped_column(ForeignKey("tour_stops.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(40))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
