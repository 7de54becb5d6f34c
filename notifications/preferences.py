"""Per-user notification preferences: channels off per kind, quiet hours, locale, daily digest.
A user without a row has the defaults; critical kinds ignore mutes and quiet hours."""

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from config import Settings
from contracts.errors import InvalidField
from contracts.notifications.api import ALL_KINDS, PreferencesIn, PreferencesOut, QuietHours
from contracts.notifications.history import CRITICAL_KINDS, ChannelName, NotificationKind
from models import Preference

CHUNK = 900  # ids per IN (...) list


@dataclass(frozen=True)
class Prefs:
    locale: str = "zh-CN"
    muted: dict[str, list[str]] = field(default_factory=dict)
    quiet_hours: bool = True
    quiet_start: str = "22:00"
    quiet_end: str = "07:00"
    digest: bool = False

    def wants(self, kind: NotificationKind, channel: ChannelName) -> bool:
        if kind in CRITICAL_KINDS:
            return True
        return channel not in self.muted.get(kind.value, ()) and channel not in self.muted.get(ALL_KINDS, ())


def defaults(settings: Settings) -> Prefs:
    return Prefs(quiet_start=settings.quiet_hours_start, quiet_end=settings.quiet_hours_end)


def _prefs(row: Preference, settings: Settings) -> Prefs:
    return Prefs(
        locale=row.locale, muted=row.muted or {}, quiet_hours=row.quiet_hours, digest=row.digest,
        quiet_start=row.quiet_start or settings.quiet_hours_start, quiet_end=row.quiet_end or settings.quiet_hours_end,
    )


async def load(session: AsyncSession, *, user_ids: list[int], settings: Settings) -> dict[int, Prefs]:
    """Preferences of these users that differ from the defaults (look the others up with .get)."""
    found: dict[int, Prefs] = {}
    for start in range(0, len(user_ids), CHUNK):
        rows = await session.scalars(select(Preference).where(Preference.user_id.in_(user_ids[start : start + CHUNK])))
        found.update({row.user_id: _prefs(row, settings) for row in rows})
    return found


def as_contract(prefs: Prefs) -> PreferencesOut:
    return PreferencesOut(
        locale=prefs.locale, muted=prefs.muted, digest=prefs.digest,
        quiet_hours=QuietHours(enabled=prefs.quiet_hours, start=prefs.quiet_start, end=prefs.quiet_end),
        critical_kinds=sorted(CRITICAL_KINDS),
    )


async def get(session: AsyncSession, *, user_id: int, settings: Settings) -> PreferencesOut:
    row = await session.get(Preference, user_id)
    return as_contract(_prefs(row, settings) if row else defaults(settings))


async def put(session: AsyncSession, *, user_id: int, data: PreferencesIn, settings: Settings) -> PreferencesOut:
    for key in data.muted:
        if key != ALL_KINDS and key not in NotificationKind.__members__:
            raise InvalidField("muted", f"未知的通知类型 {key} (unknown kind)")
        if key in CRITICAL_KINDS and data.muted[key]:
            raise InvalidField("muted", f"紧急通知 {key} 不能关闭 (critical kinds cannot be turned off)")
    row = await session.get(Preference, user_id) or Preference(user_id=user_id)
    row.locale = data.locale
    row.muted = {key: sorted(set(channels)) for key, channels in data.muted.items() if channels}
    row.quiet_hours = data.quiet_hours.enabled
    row.quiet_start = data.quiet_hours.start
    row.quiet_end = data.quiet_hours.end
    row.digest = data.digest
    session.add(row)
    await session.flush()
    return as_contract(_prefs(row, settings))
