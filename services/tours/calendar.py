"""A tour's stops in the calendar feeds (services/calendars/feed.py): in the presenters' and the host
school's teachers' own feeds, and in the feed of the host school's cluster."""

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.schedule import CALLED_OFF
from models import School, StudioMember, Teacher, Tour, TourStop
from services.calendars.ics import Entry
from services.tours import notices


async def calendar_entries(session: AsyncSession, *, user_id: int, cluster_id: int | None) -> list[Entry]:
    stmt = (select(TourStop, Tour, School).join(Tour, Tour.id == TourStop.tour_id)
            .join(School, School.id == TourStop.host_school_id))
    if cluster_id is not None:
        stmt = stmt.where(School.cluster_id == cluster_id)
    else:
        teaches_there = select(Teacher.school_id).where(Teacher.user_id == user_id, Teacher.active)
        in_studio = select(StudioMember.studio_id).where(StudioMember.user_id == user_id)
        stmt = stmt.where(or_(Tour.presenter_user_id == user_id, Tour.studio_id.in_(in_studio),
                              TourStop.host_school_id.in_(teaches_there)))
    return [_entry(stop, tour, host) for stop, tour, host in await session.execute(stmt)]


def _entry(stop: TourStop, tour: Tour, host: School) -> Entry:
    description = [f"承办学校：{host.name}"]
    if stop.skip_reason:
        description.append(f"取消原因：{stop.skip_reason}")
    return Entry(uid=stop.uid, sequence=stop.sequence, updated_at=stop.updated_at, starts_at=stop.starts_at,
                 ends_at=stop.ends_at, summary=notices.stop_label(tour, stop, host), location=stop.place,
                 link=notices.stop_link(stop), cancelled=stop.status in CALLED_OFF, description=description)
