"""The audit trail: every successful write (POST/PUT/PATCH/DELETE) by a logged-in user, through
the API or the console, is recorded — who, what (route, parameters, body, and in words the label
the route is declared with: its `summary`), when — in the same transaction as the write, so
neither is ever stored without the other:

- the request's session (api/deps.py) adds the row just before its first commit;
- a write that the run stores (a staff decision sent as an Update) commits nothing in the
  request's session: the row is added there as the answer starts;
- as the answer starts, a row that no longer tells the truth is put right (a launch names its
  new campaign only after committing) or removed (an error after the commit).

A pure ASGI middleware, so it sees the matched route and the body without consuming them."""

import json
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from sqlalchemy import delete, event, inspect, update
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contracts.links import MASK, mask_url
from models.audit import AuditEntry

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
MAX_RECORDED_BODY = 8 * 1024
SECRET_KEYS = re.compile(r"password|secret|token", re.IGNORECASE)
URL_KEYS = re.compile(r"url", re.IGNORECASE)  # a robot's or webhook's URL carries its token
# A login is not a change, and its body is a password.
UNAUDITED_ROUTES = {"/api/v1/auth/token", "/console/login", "/console/logout"}


def _redact(value):
    if isinstance(value, dict):
        return {k: _redact_field(k, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v) for v in value]
    return value


def _redact_field(key: str, value):
    if SECRET_KEYS.search(key):
        return MASK
    if URL_KEYS.search(key) and isinstance(value, str):
        return mask_url(value)
    return _redact(value)


def _payload(body: bytes, content_type: str, truncated: bool) -> dict:
    if body and not truncated:
        if "json" in content_type:
            try:
                return {"body": _redact(json.loads(body))}
            except ValueError:
                pass
        if "x-www-form-urlencoded" in content_type:  # console forms
            form = dict(parse_qsl(body.decode(errors="replace")))
            form.pop("csrf", None)
            return {"body": _redact(form)}
    return {"content_type": content_type, "bytes": len(body)} if body else {}


def _route_template(path: str, path_params: dict) -> tuple[str, str | None, str | None]:
    """("/api/v1/clusters/{item_id}", "clusters", "5") from "/api/v1/clusters/5": the template
    and the subject (first parameter, named by the segment before it). Rebuilt from the path
    because routers included with a prefix do not expose their full template."""
    segments = path.split("/")
    subject_type = subject_id = None
    start = 0
    for name, value in path_params.items():
        for index in range(start, len(segments)):
            if segments[index] == str(value):
                segments[index] = "{" + name + "}"
                if subject_type is None and index > 0:
                    subject_type, subject_id = segments[index - 1], str(value)
                start = index + 1
                break
    return "/".join(segments), subject_type, subject_id


def set_audit_subject(request: Request, subject_type: str, subject_id: int | str) -> None:
    """For a write whose path names no subject yet (it creates it): file its audit row under
    the new object, so the object's run timeline shows who launched it."""
    request.state.audit_subject = (subject_type, str(subject_id))


@dataclass
class _Write:
    """What the audit knows of one write request while it runs."""

    body: bytearray = field(default_factory=bytearray)
    truncated: bool = False
    session: AsyncSession | None = None  # the request's session, once the route opened it
    entry: AuditEntry | None = None  # the row, once added
    status: int | None = None  # the answer's status, once it starts


def watch(request: Request, session: AsyncSession) -> None:
    """For the request's session (api/deps.py): a write's row joins the session's first commit."""
    write = getattr(request.state, "audit", None)
    if write is not None:
        write.session = session
        event.listen(session.sync_session, "before_commit", lambda _: _add_entry(request.scope, write))


def _success_status(scope: Scope) -> int:
    """The status the route answers when it succeeds: declared on API routes; console forms
    redirect (303) after a successful post."""
    declared = getattr(scope.get("route"), "status_code", None)
    return declared or (303 if scope["path"].startswith("/console/") else 200)


def _subject(scope: Scope) -> tuple[str, str | None, str | None]:
    route_path, subject_type, subject_id = _route_template(scope["path"], scope.get("path_params", {}))
    return (route_path, *scope["state"].get("audit_subject", (subject_type, subject_id)))


def _committed(entry: AuditEntry | None) -> bool:
    return entry is not None and inspect(entry).has_identity


def action_label(route: object) -> str | None:
    """What a write route does, in words: the label it is declared with (its `summary`)."""
    return getattr(route, "summary", None)


def _add_entry(scope: Scope, write: _Write) -> None:
    user = scope["state"].get("user")  # who is acting, loaded once by the route's dependencies
    # Once per request, unless the commit that carried the row was rolled back.
    if user is None or write.session is None or (write.entry is not None and not inspect(write.entry).transient):
        return
    route_path, subject_type, subject_id = _subject(scope)
    headers = dict(scope.get("headers", []))
    write.entry = AuditEntry(
        actor_user_id=user.id, actor_name=user.display_name, actor_role=user.role, method=scope["method"],
        route=route_path, path=scope["path"], status_code=write.status or _success_status(scope),
        action=action_label(scope.get("route")),
        subject_type=subject_type, subject_id=subject_id,
        payload=_payload(bytes(write.body), headers.get(b"content-type", b"").decode(), write.truncated),
    )  # fmt: skip
    write.session.add(write.entry)


async def _settle(scope: Scope, write: _Write, status: int) -> None:
    """As the answer starts: the row of a write that committed nothing yet, or the row put right."""
    write.status = status
    entry = write.entry
    if write.session is None or "user" not in scope["state"]:
        return
    if not _committed(entry):
        if status < 400:
            await write.session.commit()  # adds the row (watch), with the answer's status
        return
    _, subject_type, subject_id = _subject(scope)
    told = {"status_code": status, "subject_type": subject_type, "subject_id": subject_id}
    if status < 400 and all(getattr(entry, key) == value for key, value in told.items()):
        return
    # Rare (a launch, an error after the commit): in a session of its own, as the request's is
    # already closed when an error is answered.
    statement = delete(AuditEntry) if status >= 400 else update(AuditEntry).values(**told)
    async with scope["app"].state.session_factory() as session:
        await session.execute(statement.where(AuditEntry.id == entry.id))
        await session.commit()


class AuditMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITE_METHODS or scope["path"] in UNAUDITED_ROUTES:
            await self.app(scope, receive, send)
            return
        write = _Write()
        scope.setdefault("state", {})["audit"] = write

        async def recording_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                write.truncated = write.truncated or len(write.body) + len(chunk) > MAX_RECORDED_BODY
                write.body.extend(chunk[: max(0, MAX_RECORDED_BODY - len(write.body))])
            return message

        async def auditing_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                await _settle(scope, write, message["status"])
            await send(message)

        try:
            await self.app(scope, recording_receive, auditing_send)
        except Exception:
            if write.status is None:  # failed before answering: the server answers 500
                await _settle(scope, write, 500)
            raise
