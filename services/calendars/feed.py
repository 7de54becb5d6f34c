"""The feed behind a calendar token: every programme's events for its holder (a personal feed)
or for one cluster, in one calendar.

Each programme answers its own events with `calendar_entries(session, *, user_id, cluster_id)`
(cluster_id None: the holder's own events). To add a programme's events: one line in PROVIDERS."""

from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.calendars.ics import Entry, render
from services.series import calendar_feed as series_calendar
from services.tours import calendar as tour_calendar

Provider = Callable[..., Awaitable[list[Entry]]]
PROVIDERS: list[Provider] = [series_calendar.calendar_entries, tour_calendar.calendar_entries]


async def feed(session: AsyncSession, *, name: str, user_id: int, cluster_id: int | None, tz: ZoneInfo,
               base_url: str) -> bytes:
    entries = [entry for provider in PROVIDERS
               for entry in await provider(session, user_id=user_id, cluster_id=cluster_id)]
    return render(name=name, entries=entries, tz=tz, base_url=base_url)
