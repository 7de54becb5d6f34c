"""Turning what a form posted into contracts, and what went wrong into errors shown next to the
fields (or at the top of the page), with the HTTP status the API would answer."""

from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from contracts.errors import DomainError, InvalidField

FORM = "form"  # the key of a page-level error
PYDANTIC_MESSAGES = {
    "missing": "请填写此项", "string_too_short": "请填写此项", "too_short": "请至少填写一项",
    "string_too_long": "内容过长", "too_long": "条目过多", "int_parsing": "请输入整数",
    "greater_than_equal": "数值过小", "less_than_equal": "数值过大", "datetime_from_date_parsing": "日期格式不对",
    "datetime_type": "请选择日期时间", "url_parsing": "链接格式不对",
}


def _message(error: dict) -> str:
    message = PYDANTIC_MESSAGES.get(error["type"]) or error["msg"].removeprefix("Value error, ")
    return message


def errors_of(exc: ValidationError | DomainError, *, field: str = FORM) -> tuple[int, dict[str, str]]:
    """(status, {field: message}); errors without a field of their own go under `field`."""
    if isinstance(exc, ValidationError):
        errors: dict[str, str] = {}
        for error in exc.errors():
            errors.setdefault(str(error["loc"][0]) if error["loc"] else field, _message(error))
        return 422, errors
    key = exc.field if isinstance(exc, InvalidField) else field
    return exc.status_code, {key: exc.detail}


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def local_datetime(value: str, tz: ZoneInfo) -> datetime | None:
    """A datetime-local input (the user's wall clock in the office's time zone), or None if blank/bad."""
    try:
        return datetime.fromisoformat(value).replace(tzinfo=tz) if value else None
    except ValueError:
        return None


def local_input(value: datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%dT%H:%M") if value else ""
