"""A teacher's touring-lesson to-dos (待办, services/todos): the preparation checklist of a stop she
presents (once the stop is announced), check-in at a stop open now (services/attendance decides), the feedback form her school
owes as a stop's host (its contact is the one asked). Each drops once done."""

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.schedule import OccurrenceStatus
from contracts.todos.api import Todo
from models import School, StudioMember, Teacher, Tour, TourFeedback, TourStop, TourStopCheckin, User
from services.tours import notices
from services.tours.service import checkin_window, checklist_complete, checklist_due, feedback_due

_DAY = timedelta(days=1)  # any check-in window opens less than a day before its stop


async def todos_for(session: AsyncSession, *, user: User, now: datetime) -> list[Todo]:
    in_studio = select(StudioMember.studio_id).where(StudioMember.user_id == user.id)
    presents = or_(Tour.presenter_user_id == user.id, Tour.studio_id.in_(in_studio))
    teaches_at = select(Teacher.school_id).where(Teacher.user_id == user.id, Teacher.active)
    todos = []
    upcoming = await session.execute(
        select(TourStop, Tour).join(Tour, Tour.id == TourStop.tour_id)
        .where(TourStop.status == OccurrenceStatus.scheduled, TourStop.ends_at > now - _DAY,
               or_(presents, TourStop.host_school_id.in_(teaches_at))))
    checked = set(await session.scalars(select(TourStopCheckin.stop_id).where(TourStopCheckin.user_id == user.id)))
    for stop, tour in upcoming:
        presenting = tour.presenter_user_id == user.id or await _in_studio(session, tour, user)
        # From the stop's announcement on (a checklist's lead time before it is due), not a year ahead.
        announced = checklist_due(tour, stop) - timedelta(days=tour.checklist_days_before) <= now
        if presenting and announced and stop.starts_at > now and not checklist_complete(tour, stop):
            todos.append(_todo("checklist", "送教准备清单", tour, stop, checklist_due(tour, stop)))
        window = checkin_window(tour, stop)
        if stop.id not in checked and window.is_open(now):
            todos.append(_todo("check_in", "送教签到", tour, stop, window.closes))
    owed = await session.execute(
        select(TourStop, Tour).join(Tour, Tour.id == TourStop.tour_id)
        .join(School, School.id == TourStop.host_school_id)
        .where(School.contact_user_id == user.id, TourStop.status == OccurrenceStatus.held,
               TourStop.id.not_in(select(TourFeedback.stop_id))))
    for stop, tour in owed:
        todos.append(_todo("feedback", "填写送教反馈表", tour, stop,
                           feedback_due(tour, stop) + timedelta(days=tour.feedback_chase_days), page="feedback"))
    return todos


async def _in_studio(session: AsyncSession, tour: Tour, user: User) -> bool:
    return tour.studio_id is not None and await session.get(StudioMember, (tour.studio_id, user.id)) is not None


def _todo(action: str, what: str, tour: Tour, stop: TourStop, due: datetime, page: str = "") -> Todo:
    return Todo(source="tour", action=action, title=f"{what}：{tour.title} 第{stop.number}站", due=due,
                link=notices.stop_link(stop, page), record_id=stop.id)
