"""Private iCalendar (RFC 5545) feeds of weekly sessions, per teacher and per cluster.

The URL holds a random token; only its SHA-256 is stored, and issuing a new one revokes the
old. The feed gathers every programme's events (services/calendars/feed.py); a session's event is
shaped as every occurrence's is (services/calendars/ics.py)."""

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.errors import NotFound
from contracts.series.api import CALLED_OFF, CalendarScope
from models import CalendarToken, Cluster, School, Series, SeriesParticipant, SeriesSession, User
from services.calendars.ics import Entry
from services.series import notices
from services.series.service import present_at


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


async def live_token(session: AsyncSession, *, token: str) -> tuple[CalendarToken, User]:
    """The token and its login, if neither is revoked nor deactivated; else NotFound."""
    found = (await session.execute(
        select(CalendarToken, User).join(User, User.id == CalendarToken.user_id)
        .where(CalendarToken.token_sha256 == _digest(token), CalendarToken.revoked_at.is_(None), User.active)
    )).first()
    if found is None:
        raise NotFound("日历 (calendar)", "token")
    return found[0], found[1]


async def _sessions_for(session: AsyncSession, *, user_id: int, cluster_id: int | None) -> list[tuple[SeriesSession, Series]]:
    stmt = select(SeriesSession, Series).join(Series, Series.id == SeriesSession.series_id)
    if cluster_id is not None:
        stmt = stmt.where(Series.cluster_id == cluster_id)
    else:
        takes_part = (
            select(SeriesParticipant.id)
            .where(SeriesParticipant.series_id == SeriesSession.series_id, SeriesParticipant.user_id == user_id,
                   present_at(SeriesSession.starts_at))
            .exists()
        )
        stmt = stmt.where(or_(takes_part, Series.organiser_user_id == user_id))
    return list((await session.execute(stmt.order_by(SeriesSession.starts_at))).all())


async def calendar_entries(session: AsyncSession, *, user_id: int, cluster_id: int | None) -> list[Entry]:
    """The sessions of a cluster's feed, or those a user takes part in or organises (services/calendars/feed.py)."""
    rows = await _sessions_for(session, user_id=user_id, cluster_id=cluster_id)
    schools = {s.id: s for s in await session.scalars(select(School).where(School.id.in_({s.host_school_id for s, _ in rows})))}
    return [_entry(meeting, series, schools[meeting.host_school_id]) for meeting, series in rows]


async def calendar_name(session: AsyncSession, token: CalendarToken) -> str:
    if token.scope == CalendarScope.cluster:
        cluster = await session.get(Cluster, token.cluster_id)
        return f"联片教研 · {cluster.name if cluster else token.cluster_id}"
    return "我的教研日程"  # her sessions, and her other programmes' events (services/calendars/feed.py)


def _entry(meeting: SeriesSession, series: Series, host: School) -> Entry:
    description = [f"承办学校：{host.name}"]
    if meeting.agenda:
        description.append(f"议程：{meeting.agenda}")
    if meeting.skip_reason:
        description.append(f"取消原因：{meeting.skip_reason}")
    return Entry(uid=meeting.uid, sequence=meeting.sequence, updated_at=meeting.updated_at, starts_at=meeting.starts_at,
                 ends_at=meeting.ends_at, summary=notices.session_label(series, meeting), location=meeting.place,
                 link=notices.session_link(meeting), cancelled=meeting.status in CALLED_OFF, description=description)
