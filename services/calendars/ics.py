"""One VEVENT per occurrence, the same for every programme: the UID never changes, SEQUENCE
follows every visible change, and a called-off occurrence stays as STATUS:CANCELLED so subscribed
phones remove it."""

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

UID_DOMAIN = "jiaoyan-flow"
PRODID = "-//教研流 Jiaoyan Flow//联片教研//ZH"


@dataclass(frozen=True)
class Entry:
    uid: str
    sequence: int
    updated_at: datetime
    starts_at: datetime
    ends_at: datetime
    summary: str
    location: str
    link: str  # a console path
    cancelled: bool
    description: list[str] = field(default_factory=list)


def _event(entry: Entry, tz: ZoneInfo, base_url: str) -> Event:
    event = Event()
    event.add("uid", f"{entry.uid}@{UID_DOMAIN}")
    event.add("sequence", entry.sequence)
    event.add("dtstamp", entry.updated_at)
    event.add("last-modified", entry.updated_at)
    event.add("dtstart", entry.starts_at.astimezone(tz))
    event.add("dtend", entry.ends_at.astimezone(tz))
    event.add("summary", entry.summary)
    event.add("location", entry.location)
    event.add("description", "\n".join(entry.description))
    event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
    event.add("url", f"{base_url}{entry.link}")
    return event


def render(*, name: str, entries: list[Entry], tz: ZoneInfo, base_url: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", str(tz))
    for entry in sorted(entries, key=lambda entry: entry.starts_at):
        calendar.add_component(_event(entry, tz, base_url))
    calendar.add_missing_timezones()
    return calendar.to_ical()
