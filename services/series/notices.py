"""What a weekly session tells people: the notices' payloads, their idempotency keys and their
recipients; the templates word them.

Built here (with database access) and sent by the series workflow through `notify`, so the
workflow history holds audiences and keys, never lists of teachers."""

from contracts.notifications.history import Audience, NotifyRequest
from contracts.notifications.notices import SessionNotice
from models import School, Series, SeriesSession

def session_label(series: Series, meeting: SeriesSession) -> str:
    label = f"{series.title} 第{meeting.number}次"
    return f"{label}：{meeting.theme}" if meeting.theme else label


def participants_of(meeting: SeriesSession) -> Audience:
    return Audience(name="session.participants", params={"session_id": meeting.id})


def series_participants(series: Series) -> Audience:
    return Audience(name="series.participants", params={"series_id": series.id})


def absentee_contacts(meeting: SeriesSession) -> Audience:
    return Audience(name="session.absentee_contacts", params={"session_id": meeting.id})


def session_link(meeting: SeriesSession, page: str = "") -> str:
    return f"/console/sessions/{meeting.id}" + (f"/{page}" if page else "")


def session_notice(
    *,
    model: type[SessionNotice],
    key: str,
    series: Series,
    meeting: SeriesSession,
    host: School,
    link: str,
    audience: Audience | None = None,
    user_ids: list[int] | None = None,
    **fields,
) -> NotifyRequest:
    """A notice about `meeting`: the model's session fields from it, its other fields from `fields`."""
    payload = model(series_title=series.title, number=meeting.number, theme=meeting.theme, starts_at=meeting.starts_at,
                    host_school=host.name, place=meeting.place, **fields)
    return NotifyRequest(
        payload=payload, key=key, audience=audience, user_ids=user_ids or [], link=link, series_id=series.id
    )


def change_key(series: Series, change_id: int) -> str:
    return f"series:{series.id}:change:{change_id}"
