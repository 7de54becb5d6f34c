"""Links people type (a training's online link and materials, delivered work, minutes): web
addresses only. A `javascript:` or `data:` URL stored as a link would run as an href."""

from typing import Annotated
from urllib.parse import urlsplit, urlunsplit

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


MASK = "***"
_TOKEN_LIKE = 16  # path segments this long are tokens (Feishu's hook id, a webhook's key), not names


def mask_url(url: str) -> str:
    """A URL fit to show or record: robot and webhook URLs are credentials. Masks the user and
    password, every query value and every token-like path segment; keeps the scheme, host, port
    and the short path segments people recognise the URL by. The one masking function (the
    channel list, the audit log)."""
    try:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return MASK
    host = f"[{parts.hostname}]" if parts.hostname and ":" in parts.hostname else parts.hostname or ""
    netloc = (f"{MASK}@" if "@" in parts.netloc else "") + host + port
    path = "/".join(MASK if len(segment) >= _TOKEN_LIKE else segment for segment in parts.path.split("/"))
    query = "&".join(f"{pair.partition('=')[0]}={MASK}" for pair in parts.query.split("&") if pair)
    return urlunsplit((parts.scheme, netloc, path, query, ""))
