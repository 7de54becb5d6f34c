"""Quiet hours and the daily digest time, in the county's time zone."""

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo


def _clock(hhmm: str) -> time:
    hours, minutes = hhmm.split(":")
    return time(int(hours), int(minutes))


def _at(local_day: datetime, clock: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(local_day.date(), clock, tzinfo=tz).astimezone(timezone.utc)


def quiet_until(at: datetime, *, tz: ZoneInfo, start: str, end: str) -> datetime | None:
    """The end of the quiet hours `at` falls in (UTC), or None if `at` is outside them.
    A window like 22:00–07:00 wraps midnight; start == end means no quiet hours."""
    begin, finish = _clock(start), _clock(end)
    local = at.astimezone(tz)
    now = local.time()
    if begin == finish:
        return None
    if begin < finish:
        return _at(local, finish, tz) if begin <= now < finish else None
    if now >= begin:
        return _at(local + timedelta(days=1), finish, tz)
    if now < finish:
        return _at(local, finish, tz)
    return None


def next_daily(at: datetime, *, tz: ZoneInfo, hhmm: str) -> datetime:
    """The next moment (UTC) the local clock shows `hhmm`, at or after `at`."""
    local = at.astimezone(tz)
    candidate = _at(local, _clock(hhmm), tz)
    return candidate if candidate >= at else _at(local + timedelta(days=1), _clock(hhmm), tz)
