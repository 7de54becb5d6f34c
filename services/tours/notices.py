"""What a tour tells people: the notices' payloads, their keys, links and recipients; the templates
word them. Built here (with database access) and sent by the tour's run through `notify`."""

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.notifications.history import Audience, NotifyRequest
from contracts.notifications.notices import TourStopNotice
from models import School, Tour, TourStop
from services.tours.service import presenter_names


def stop_label(tour: Tour, stop: TourStop, host: School) -> str:
    label = f"送教下乡 · {tour.title} 第{stop.number}站（{host.name}）"
    return f"{label}：{stop.topic}" if stop.topic else label


def stop_link(stop: TourStop, page: str = "") -> str:
    return f"/console/tour-stops/{stop.id}" + (f"/{page}" if page else "")


def presenters(stop: TourStop) -> Audience:
    return Audience(name="tour_stop.presenters", params={"stop_id": stop.id})


def presenters_and_hosts(stop: TourStop) -> Audience:
    return Audience(name="tour_stop.everyone", params={"stop_id": stop.id})


async def stop_notice(session: AsyncSession, *, model: type[TourStopNotice], key: str, tour: Tour, stop: TourStop,
                      link: str, audience: Audience | None = None, user_ids: list[int] | None = None,
                      **fields) -> NotifyRequest:
    """A notice about `stop`: the model's stop fields from it, its other fields from `fields`."""
    host = await session.get(School, stop.host_school_id)
    payload = model(tour_title=tour.title, number=stop.number, topic=stop.topic, starts_at=stop.starts_at,
                    host_school=host.name, place=stop.place, presenters=await presenter_names(session, tour), **fields)
    return NotifyRequest(payload=payload, key=key, audience=audience, user_ids=user_ids or [], link=link)


def stop_key(stop: TourStop, what: str) -> str:
    return f"tour_stop:{stop.id}:{what}"
