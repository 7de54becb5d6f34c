"""Links people type (a training's online link and materials, delivered work, minutes): web
addresses only. A `javascript:` or `data:` URL stored as a link would run as an href."""

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, StringConstraints

WEB_SCHEMES = ("http", "https")


def is_web_url(value: str) -> bool:
    """An http(s) URL naming a host (urlsplit drops the tabs and newlines browsers ignore too)."""
    try:
        parts = urlsplit(value)
        return parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname)
    except ValueError:
        return False


def _web_url(value: str) -> str:
    if not is_web_url(value):
        raise ValueError("只接受 http(s) 链接 (only http and https links)")
    return value


WebLink = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), AfterValidator(_web_url)]
