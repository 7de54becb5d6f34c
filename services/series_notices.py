"""What a weekly session tells people: the notices, their idempotency keys and their recipients.

Built here (with database access) and sent by the series workflow through `notify`, so the
workflow history holds audiences and keys, never lists of teachers."""

from datetime import datetime
from zoneinfo import ZoneInfo

from contracts.notifications import Audience, NotificationKind, NotifyRequest
from models import School, Series, SeriesSession

WEEKDAYS = "一二三四五六日"


def local_time_text(at: datetime, tz: ZoneInfo) -> str:
    local = at.astimezone(tz)
    return f"{local:%Y-%m-%d} 周{WEEKDAYS[local.weekday()]} {local:%H:%M}"


def session_label(series: Series, sess: SeriesSession) -> str:
    label = f"{series.title} 第{sess.number}次"
    return f"{label}：{sess.theme}" if sess.theme else label


def session_data(series: Series, sess: SeriesSession, host: School, tz: ZoneInfo) -> dict:
    """The template variables every session notice carries."""
    return {
        "series_id": series.id,
        "series_title": series.title,
        "session": session_label(series, sess),
        "session_id": sess.id,
        "number": sess.number,
        "week": sess.week,
        "starts_at": sess.starts_at.isoformat(),
        "ends_at": sess.ends_at.isoformat(),
        "when": f"{local_time_text(sess.starts_at, tz)}–{sess.ends_at.astimezone(tz):%H:%M}",
        "host_school": host.name,
        "place": sess.place,
        "theme": sess.theme,
        "agenda": sess.agenda,
        "sequence": sess.sequence,
    }


def participants_of(sess: SeriesSession) -> Audience:
    return Audience(name="session.participants", params={"session_id": sess.id})


def series_participants(series: Series) -> Audience:
    return Audience(name="series.participants", params={"series_id": series.id})


def absentee_contacts(sess: SeriesSession) -> Audience:
    return Audience(name="session.absentee_contacts", params={"session_id": sess.id})


def session_link(sess: SeriesSession, page: str = "") -> str:
    return f"/console/sessions/{sess.id}" + (f"/{page}" if page else "")


def session_notice(
    *,
    kind: NotificationKind,
    key: str,
    title: str,
    series: Series,
    sess: SeriesSession,
    host: School,
    tz: ZoneInfo,
    link: str,
    audience: Audience | None = None,
    user_ids: list[int] | None = None,
    **extra,
) -> NotifyRequest:
    data = session_data(series, sess, host, tz)
    text = f"{data['when']}，{host.name}（{sess.place}）" + (f"，主题：{sess.theme}" if sess.theme else "")
    data.update(title=title, text=text, **extra)
    return NotifyRequest(
        kind=kind, key=key, audience=audience, user_ids=user_ids or [], data=data, link=link, series_id=series.id
    )


def change_key(series: Series, change_id: int) -> str:
    return f"series:{series.id}:change:{change_id}"
