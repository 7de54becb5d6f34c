"""Rendering a notice: one Jinja2 template per kind and locale (notifications/templates/<locale>/
<kind>.j2) defines a title, a body and an action label; the layouts here turn them into plain
text (inbox, e-mail), Markdown (robots) and HTML (e-mail), each carrying the deep link.

A template is rendered from the notice's typed payload (contracts/notifications/notices.py) and uses
StrictUndefined: tests/test_notifications_render.py renders an example of every kind in every
locale and checks each template uses only its payload's fields, so templates fail there, not at
23:00."""

import logging
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from pydantic import TypeAdapter, ValidationError

from contracts.markdown import markdown_link, markdown_text
from contracts.notifications.notices import NoticePayload

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
DEFAULT_LOCALE = "zh-CN"
LOCALES = ("zh-CN", "en")
DEFAULT_TIMEZONE = "Asia/Shanghai"
_LABELS = {
    "zh-CN": {"open": "查看详情", "footer": "此消息由教研流自动发送。", "fallback": "您有一条新通知",
              "digest": "教研流每日汇总（{day}）：{count} 条通知"},
    "en": {"open": "Open", "footer": "Sent automatically by Jiaoyan Flow.", "fallback": "You have a new notice",
           "digest": "Jiaoyan Flow daily digest ({day}): {count} notices"},
}
_DATETIME_FORMATS = {"zh-CN": "%Y年%-m月%-d日 %H:%M", "en": "%b %-d, %Y %H:%M"}
_DATE_FORMATS = {"zh-CN": "%Y年%-m月%-d日", "en": "%b %-d, %Y"}


@dataclass(frozen=True)
class Rendered:
    title: str
    text: str  # title, body and the link: inbox and e-mail
    markdown: str  # robots: the title and body escaped (markdown_text), the link the only markup
    html: str  # e-mail
    body: str = ""  # the parts, for channels that lay them out themselves (Feishu cards)
    action: str = ""
    link: str = ""


@lru_cache
def _environment(locale: str, timezone: str) -> Environment:
    tz = ZoneInfo(timezone)

    def dt(value: datetime | date) -> str:
        if isinstance(value, datetime):
            return (value.astimezone(tz) if value.tzinfo else value).strftime(_DATETIME_FORMATS[locale])
        return value.strftime(_DATE_FORMATS[locale])

    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        # The e-mail layouts (*.html.j2) are HTML, escaped; the notices' own templates write plain
        # text, which each layout escapes its own way (HTML here, markdown_text for robots).
        autoescape=select_autoescape(["html.j2"]),
        keep_trailing_newline=False,
    )
    env.filters["dt"] = dt
    return env


def _blocks(payload: NoticePayload, *, locale: str, timezone: str) -> tuple[str, str, str]:
    template = _environment(locale, timezone).get_template(f"{locale}/{payload.kind.value}.j2")
    model = type(payload)
    context = template.new_context({name: getattr(payload, name)
                                    for name in (*model.model_fields, *model.model_computed_fields)})
    return tuple("".join(template.blocks[name](context)).strip() for name in ("title", "body", "action"))


def _layout(title: str, body: str, action: str, *, link: str, locale: str, timezone: str) -> Rendered:
    labels = _LABELS[locale]
    action = action or labels["open"]
    colon = "：" if locale == "zh-CN" else ": "
    text = f"{title}\n\n{body}" + (f"\n\n{action}{colon}{link}" if link else "")
    markdown = f"**{markdown_text(title)}**\n\n{markdown_text(body)}" + (
        f"\n\n{markdown_link(action, link)}" if link else "")
    html = _environment(locale, timezone).get_template("email.html.j2").render(
        title=title, paragraphs=body.splitlines(), action=action, link=link, footer=labels["footer"], locale=locale
    )
    return Rendered(title=title, text=text, markdown=markdown, html=html, body=body, action=action, link=link)


def render(
    payload: NoticePayload, locale: str = DEFAULT_LOCALE, *, link: str = "", timezone: str = DEFAULT_TIMEZONE,
) -> Rendered:
    locale = locale if locale in LOCALES else DEFAULT_LOCALE
    title, body, action = _blocks(payload, locale=locale, timezone=timezone)
    return _layout(title, body, action, link=link, locale=locale, timezone=timezone)


_PAYLOAD = TypeAdapter(NoticePayload)


def render_stored(
    kind: str, data: dict[str, Any], locale: str = DEFAULT_LOCALE, *, link: str = "", timezone: str = DEFAULT_TIMEZONE,
) -> Rendered:
    """Render a stored notice (its kind and `payload.model_dump(mode="json")`)."""
    try:
        payload = _PAYLOAD.validate_python({**data, "kind": kind})
    except ValidationError:
        # Only a row written by an older release (untyped data, with its own title) gets here:
        # send the generic notice rather than lose it.
        log.warning("notice data of kind %s does not validate; sending the generic notice", kind)
        locale = locale if locale in LOCALES else DEFAULT_LOCALE
        title = str(data.get("title") or _LABELS[locale]["fallback"])
        return _layout(title, str(data.get("text") or ""), "", link=link, locale=locale, timezone=timezone)
    return render(payload, locale, link=link, timezone=timezone)


def render_digest(items: list[Rendered], *, locale: str, day: date, timezone: str = DEFAULT_TIMEZONE) -> Rendered:
    """Several notices in one e-mail: each with its title, body and link."""
    labels = _LABELS[locale]
    title = labels["digest"].format(day=day.strftime(_DATE_FORMATS[locale]), count=len(items))
    colon = "：" if locale == "zh-CN" else ": "
    sections = [f"{i.title}\n{i.body}" + (f"\n{i.action}{colon}{i.link}" if i.link else "") for i in items]
    text = title + "\n\n" + "\n\n".join(sections)
    markdown = f"**{markdown_text(title)}**\n\n" + "\n\n".join(i.markdown for i in items)
    html = _environment(locale, timezone).get_template("digest.html.j2").render(
        title=title, items=items, footer=labels["footer"], locale=locale
    )
    return Rendered(title=title, text=text, markdown=markdown, html=html, body=text)
