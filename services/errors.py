"""Domain errors. The API maps each to its HTTP answer (api/errors.py); activities and scripts
see plain exceptions with readable messages."""

from typing import Any


class DomainError(Exception):
    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(DomainError):
    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"{what} {key} 不存在 (not found)")


class InvalidField(DomainError):
    """A value that parses but makes no sense here, e.g. a school id that does not exist."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason, field=field)
        self.field = field


class Forbidden(DomainError):
    """This user may not do this to this object (beyond what the role alone decides)."""


class Conflict(DomainError):
    """The request clashes with the current state (duplicate, wrong phase, closed window...)."""


class Unavailable(DomainError):
    """A service this request needs (Temporal) did not answer; nothing was changed."""
