"""Who hears a tour's notices, resolved from the database when it is sent."""

from sqlalchemy.ext.asyncio import AsyncSession

from models import Tour, TourStop
from services.tours.service import host_teachers, presenter_ids


async def stop_presenters(session: AsyncSession, *, stop_id: int) -> list[int]:
    stop = await session.get(TourStop, stop_id)
    return await presenter_ids(session, await session.get(Tour, stop.tour_id)) if stop else []


async def stop_everyone(session: AsyncSession, *, stop_id: int) -> list[int]:
    """The presenters and the host school's teachers."""
    stop = await session.get(TourStop, stop_id)
    if stop is None:
        return []
    hosts = await session.scalars(host_teachers(stop.host_school_id))
    return sorted({*await stop_presenters(session, stop_id=stop_id), *hosts})


# The names the tour notices use (Audience(name=...)); the worker registers this table.
RESOLVERS = {"tour_stop.presenters": stop_presenters, "tour_stop.everyone": stop_everyone}
