"""The check-in window: it opens some minutes before the event starts and closes some minutes
after it starts or ends, depending on the kind. Outside it a check-in is refused with one shape
for every kind: 409, `kind`, and `opens` / `closes` as local ISO times with their offset."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from config import Settings
from contracts.errors import Conflict

WEEKDAYS = "一二三四五六日"


class AttendanceKind(StrEnum):
    training = "training"  # a campaign's training (培训)
    session = "session"  # a series' weekly joint session (联片教研)
    tour_stop = "tour_stop"  # a touring lesson's stop (送教下乡)
    # Next, each with its CHECKIN_<KIND>_* settings and an edge below: observation (青蓝工程).


# The edge of the event a window closes after. Part of the kind, not a setting: the runs' timers
# that act when a window has closed count from the same edge (the series' close-check-in step,
# the campaign's absentee notice, whose offset is in its run's history).
CLOSES_AFTER_END = {AttendanceKind.training: True, AttendanceKind.session: False, AttendanceKind.tour_stop: True}


@dataclass(frozen=True)
class CheckinWindow:
    kind: AttendanceKind
    opens: datetime
    closes: datetime

    def is_open(self, now: datetime) -> bool:
        return self.opens <= now <= self.closes

    def require_open(self, *, now: datetime, tz: ZoneInfo) -> None:
        if not self.is_open(now):
            opens, closes = self.opens.astimezone(tz), self.closes.astimezone(tz)
            raise Conflict(f"签到时间为 {_local_text(opens)} 至 {_local_text(closes)} (check-in is open only in this window)",
                           kind=self.kind.value, opens=opens.isoformat(), closes=closes.isoformat())


@dataclass(frozen=True)
class WindowRule:
    kind: AttendanceKind
    opens_before: timedelta  # before the start
    closes_after: timedelta  # after the start or the end (CLOSES_AFTER_END)

    def window(self, *, starts_at: datetime, ends_at: datetime) -> CheckinWindow:
        edge = ends_at if CLOSES_AFTER_END[self.kind] else starts_at
        return CheckinWindow(self.kind, starts_at - self.opens_before, edge + self.closes_after)


def default_rule(kind: AttendanceKind, settings: Settings | None = None) -> WindowRule:
    """The minutes a new campaign or series fixes for its check-ins (CHECKIN_<KIND>_OPENS_MINUTES_BEFORE,
    CHECKIN_<KIND>_CLOSES_MINUTES_AFTER). They are fixed at creation, because the run that acts when
    the window closes must agree with it. Without settings (a test or benchmark calling a service
    directly): the Settings class's defaults, the environment left unread."""
    settings = settings or Settings.model_construct()
    return WindowRule(kind, timedelta(minutes=getattr(settings, f"checkin_{kind}_opens_minutes_before")),
                      timedelta(minutes=getattr(settings, f"checkin_{kind}_closes_minutes_after")))


def _local_text(local: datetime) -> str:
    return f"{local:%Y-%m-%d} 周{WEEKDAYS[local.weekday()]} {local:%H:%M}"
