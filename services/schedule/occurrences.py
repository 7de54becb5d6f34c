"""What a change does to one occurrence, the same for a series' session and a tour's stop: only
an upcoming scheduled one changes; a change calendars must notice bumps its SEQUENCE (its UID never
changes, RFC 5545); times given without a zone are local."""

from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from contracts.errors import Conflict, InvalidField
from contracts.schedule import OccurrenceStatus


class Occurrence(Protocol):
    status: str
    starts_at: datetime
    ends_at: datetime
    sequence: int
    updated_at: datetime


def require_upcoming(item: Occurrence, now: datetime) -> None:
    if item.status != OccurrenceStatus.scheduled or item.starts_at <= now:
        raise Conflict(
            f"只能修改尚未开始的活动（当前状态 {item.status}） (only upcoming scheduled sessions can change)",
            status=item.status, starts_at=item.starts_at.isoformat(),
        )


def set_status(items: list[Occurrence], status: OccurrenceStatus, now: datetime) -> None:
    for item in items:
        item.status = status
        item.sequence += 1
        item.updated_at = now


def aware(at: datetime, tz: ZoneInfo) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=tz)


def reschedule(item: Occurrence, *, starts_at: datetime, ends_at: datetime, now: datetime,
               tz: ZoneInfo) -> dict[str, str]:
    """Move an upcoming occurrence (scheduled again, SEQUENCE bumped); answers its times before."""
    require_upcoming(item, now)
    starts_at, ends_at = aware(starts_at, tz), aware(ends_at, tz)
    if starts_at <= now:
        raise InvalidField("starts_at", "新的开始时间须在将来 (the new start must be in the future)")
    before = {"starts_at": item.starts_at.isoformat(), "ends_at": item.ends_at.isoformat()}
    item.starts_at, item.ends_at = starts_at, ends_at
    set_status([item], OccurrenceStatus.scheduled, now)
    return before


def skip(item: Occurrence, *, now: datetime) -> None:
    require_upcoming(item, now)
    set_status([item], OccurrenceStatus.skipped, now)
