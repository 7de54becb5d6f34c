"""Rendering a notice for a channel. Placeholder until the per-kind Jinja2 templates land
(issue 4): the title comes from the data or the kind."""

from dataclasses import dataclass
from typing import Any

from contracts.notifications import NotificationKind


@dataclass(frozen=True)
class Rendered:
    title: str
    text: str
    markdown: str
    html: str


def render(kind: NotificationKind, data: dict[str, Any], locale: str = "zh-CN") -> Rendered:
    title = str(data.get("title") or kind.value)
    text = str(data.get("text") or "")
    return Rendered(title=title, text=text, markdown=text, html=text)
