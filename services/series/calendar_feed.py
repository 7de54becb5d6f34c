"""Private iCalendar (RFC 5545) feeds of weekly sessions, per teacher and per cluster.

The URL holds a random token; only its SHA-256 is stored, and issuing a new one revokes the
old. One VEVENT per session: the UID never changes, SEQUENCE follows every visible change, a
called-off session stays as STATUS:CANCELLED so subscribed phones remove it."""

import hashlib
import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.errors import NotFound
from contracts.series.api import CALLED_OFF, CalendarScope
from models import CalendarToken, Cluster, School, Series, SeriesParticipant, SeriesSession, User
from services.series import notices
from services.series.service import present_at

UID_DOMAIN = "jiaoyan-flow"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_token(
    session: AsyncSession, *, user_id: int, scope: CalendarScope, cluster_id: int | None, now: datetime
) -> str:
    """A new token for this user and feed; the previous one stops working."""
    await revoke_tokens(session, user_id=user_id, scope=scope, cluster_id=cluster_id, now=now)
    token = secrets.token_urlsafe(32)
    session.add(CalendarToken(token_sha256=_digest(token), user_id=user_id, scope=scope, cluster_id=cluster_id,
                              created_at=now))
    await session.flush()
    return token


async def revoke_tokens(
    session: AsyncSession, *, user_id: int, scope: CalendarScope, cluster_id: int | None, now: datetime
) -> None:
    await session.execute(
        update(CalendarToken)
        .where(CalendarToken.user_id == user_id, CalendarToken.scope == scope,
               CalendarToken.cluster_id.is_not_distinct_from(cluster_id),
               CalendarToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def _sessions_for(session: AsyncSession, token: CalendarToken) -> list[tuple[SeriesSession, Series]]:
    stmt = select(SeriesSession, Series).join(Series, Series.id == SeriesSession.series_id)
    if token.scope == CalendarScope.cluster:
        stmt = stmt.where(Series.cluster_id == token.cluster_id)
    else:
        takes_part = (
            select(SeriesParticipant.id)
            .where(SeriesParticipant.series_id == SeriesSession.series_id, SeriesParticipant.user_id == token.user_id,
                   present_at(SeriesSession.starts_at))
            .exists()
        )
        stmt = stmt.where(or_(takes_part, Series.organiser_user_id == token.user_id))
    return list((await session.execute(stmt.order_by(SeriesSession.starts_at))).all())


async def live_token(session: AsyncSession, *, token: str) -> tuple[CalendarToken, User]:
    """The token and its login, if neither is revoked nor deactivated; else NotFound."""
    found = (await session.execute(
        select(CalendarToken, User).join(User, User.id == CalendarToken.user_id)
        .where(CalendarToken.token_sha256 == _digest(token), CalendarToken.revoked_at.is_(None), User.active)
    )).first()
    if found is None:
        raise NotFound("日历 (calendar)", "token")
    return found[0], found[1]


async def feed(session: AsyncSession, *, row: CalendarToken, tz: ZoneInfo, base_url: str) -> bytes:
    rows = await _sessions_for(session, row)
    schools = {s.id: s for s in await session.scalars(select(School).where(School.id.in_({s.host_school_id for s, _ in rows})))}
    calendar = Calendar()
    calendar.add("prodid", "-//教研流 Jiaoyan Flow//联片教研//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", await _calendar_name(session, row))
    calendar.add("x-wr-timezone", str(tz))
    for meeting, series in rows:
        calendar.add_component(_event(meeting, series, schools[meeting.host_school_id], tz, base_url))
    calendar.add_missing_timezones()
    return calendar.to_ical()


async def _calendar_name(session: AsyncSession, token: CalendarToken) -> str:
    if token.scope == CalendarScope.cluster:
        cluster = await session.get(Cluster, token.cluster_id)
        return f"联片教研 · {cluster.name if cluster else token.cluster_id}"
    return "我的联片教研"


def _event(meeting: SeriesSession, series: Series, host: School, tz: ZoneInfo, base_url: str) -> Event:
    event = Event()
    event.add("uid", f"{meeting.uid}@{UID_DOMAIN}")
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", meeting.updated_at)
    event.add("last-modified", meeting.updated_at)
    event.add("dtstart", meeting.starts_at.astimezone(tz))
    event.add("dtend", meeting.ends_at.astimezone(tz))
    event.add("summary", notices.session_label(series, meeting))
    event.add("location", meeting.place)
    description = [f"承办学校：{host.name}"]
    if meeting.agenda:
        description.append(f"议程：{meeting.agenda}")
    if meeting.skip_reason:
        description.append(f"取消原因：{meeting.skip_reason}")
    event.add("description", "\n".join(description))
    event.add("status", "CANCELLED" if meeting.status in CALLED_OFF else "CONFIRMED")
    event.add("url", f"{base_url}{notices.session_link(meeting)}")
    return event
