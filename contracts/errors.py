"""Domain errors. Each names the HTTP status it stands for, so the API (api/errors.py), the console
and its forms answer alike; activities and scripts see plain exceptions with readable messages.
Plain classes with no I/O: the workflows raise their refusals with the type names below."""

from typing import Any


class DomainError(Exception):
    status_code = 400
    headers: dict[str, str] = {}  # HTTP headers the answer carries

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(DomainError):
    status_code = 404

    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"{what} {key} 不存在 (not found)")


class InvalidField(DomainError):
    """A value that parses but makes no sense here, e.g. a school id that does not exist."""

    status_code = 422

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason, field=field)
        self.field = field


class Forbidden(DomainError):
    """This user may not do this to this object (beyond what the role alone decides)."""

    status_code = 403


class Conflict(DomainError):
    """The request clashes with the current state (duplicate, wrong phase, closed window...)."""

    status_code = 409


class Unavailable(DomainError):
    """A service the request needs (Temporal's visibility store) did not answer: try again later."""

    status_code = 503


class StillRunning(DomainError):
    """Not an error: the run accepted the request (it is in the run's history and will take
    effect) but has not carried it out yet, held up by a failing step the runs page shows."""

    status_code = 202

    def __init__(self, *, workflow_id: str) -> None:
        super().__init__("已受理，流程正在处理，稍后刷新查看 (accepted: the run has not finished carrying it out)",
                         workflow_id=workflow_id, run=f"/api/v1/runs/{workflow_id}")


class TooManyAttempts(DomainError):
    """Too many failed logins for this username or from this address: wait `retry_after` seconds."""

    status_code = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"尝试次数过多，请 {retry_after} 秒后再试 (too many attempts)", retry_after=retry_after)
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


# How a workflow's Update validator refuses: the ApplicationError types the client side
# (engine/) turns back into Conflict (409 naming the phase) and InvalidField (422 naming the field).
REFUSED_WRONG_PHASE = "WrongPhase"
REFUSED_INVALID = "Invalid"


class TooLarge(DomainError):
    """A body past its limit, found while it streams (an upload larger than its kind allows)."""

    status_code = 413
