"""Jinja2 for the console: templates, filters in the configured time zone, shared context."""

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from contracts.labels import CATEGORY_LABELS, notice_label, status_label
from contracts.links import is_web_url
from models import User

# Autoescaped whatever a template is called (Starlette's default goes by the file's extension).
templates = Jinja2Templates(env=Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True))
ROLE_LABELS = {"admin": "管理员", "staff": "教研员", "teacher": "教师"}


def _local(value: datetime | None, request_tz) -> str:
    return value.astimezone(request_tz).strftime("%m月%d日 %H:%M") if value else "—"


def web_link(url: str) -> Markup:
    """A link someone typed, as an anchor only if it is http(s): rows stored before links were
    checked (or written past the contracts) show as text, never as a `javascript:` href."""
    if is_web_url(url):
        return Markup('<a href="{0}" rel="noopener noreferrer">{0}</a>').format(url)
    return Markup("{0}").format(url)


templates.env.globals["web_link"] = web_link


def page(request: Request, template: str, user: User | None, status_code: int = 200, **context: Any) -> HTMLResponse:
    tz = request.app.state.settings.tz
    return templates.TemplateResponse(
        request,
        template,
        {
            "user": user,
            "csrf": getattr(request.state, "csrf", ""),
            "role_label": ROLE_LABELS.get(user.role, "") if user else "",
            "local": lambda value: _local(value, tz),
            "label": status_label,
            "category_label": lambda category: CATEGORY_LABELS.get(category, category),
            "notice_label": notice_label,
            **context,
        },
        status_code=status_code,
    )
