"""Who hears a session notice, resolved from the database when it is sent."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import School, SeriesParticipant, SeriesSession
from services.series.service import absentees, present_at


async def session_participants(session: AsyncSession, *, session_id: int) -> list[int]:
    meeting = await session.get(SeriesSession, session_id)
    if meeting is None:
        return []
    stmt = select(SeriesParticipant.user_id).where(SeriesParticipant.series_id == meeting.series_id, present_at(meeting.starts_at))
    return sorted(set(await session.scalars(stmt)))


async def series_participants(session: AsyncSession, *, series_id: int) -> list[int]:
    stmt = select(SeriesParticipant.user_id).where(
        SeriesParticipant.series_id == series_id, SeriesParticipant.left_at.is_(None))
    return sorted(set(await session.scalars(stmt)))


async def absentee_contacts(session: AsyncSession, *, session_id: int) -> list[int]:
    meeting = await session.get(SeriesSession, session_id)
    if meeting is None:
        return []
    school_ids = {absentee.school_id for absentee in await absentees(session, meeting=meeting)}
    contacts = await session.scalars(select(School.contact_user_id).where(School.id.in_(school_ids)))
    return sorted({user_id for user_id in contacts if user_id is not None})


# The names the series notices use (Audience(name=...)); the worker registers this table.
RESOLVERS = {
    "session.participants": session_participants,
    "series.participants": series_participants,
    "session.absentee_contacts": absentee_contacts,
}
