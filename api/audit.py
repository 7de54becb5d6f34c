"""The audit trail: every successful write (POST/PUT/PATCH/DELETE) by a logged-in user, through
the API or the console, is recorded — who, what (route, parameters, body), when — before the
answer is sent.

A pure ASGI middleware, so it sees the matched route and the body without consuming them."""

import json
import re
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models import User
from models.audit import AuditEntry
from services.security import SESSION_COOKIE, user_id_from_token

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
MAX_RECORDED_BODY = 8 * 1024
SECRET_KEYS = re.compile(r"password|secret|token", re.IGNORECASE)
# A login is not a change, and its body is a password.
UNAUDITED_ROUTES = {"/api/v1/auth/token", "/console/login", "/console/logout"}


def _redact(value):
    if isinstance(value, dict):
        return {k: "***" if SECRET_KEYS.search(k) else _redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v) for v in value]
    return value


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


def _session_token(scope: Scope) -> str | None:
    """The API's bearer token, or the console's session cookie."""
    for name, value in scope.get("headers", []):
        if name == b"authorization" and value.lower().startswith(b"bearer "):
            return value[7:].decode()
        if name == b"cookie":
            cookie = SimpleCookie(value.decode(errors="replace"))
            if SESSION_COOKIE in cookie:
                return cookie[SESSION_COOKIE].value
    return None


class AuditMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITE_METHODS:
            await self.app(scope, receive, send)
            return
        body = bytearray()
        truncated = False

        async def recording_receive() -> Message:
            nonlocal truncated
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                truncated = truncated or len(body) + len(chunk) > MAX_RECORDED_BODY
                body.extend(chunk[: max(0, MAX_RECORDED_BODY - len(body))])
            return message

        async def auditing_send(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                await self._record(scope, bytes(body), truncated, message["status"])
            await send(message)

        await self.app(scope, recording_receive, auditing_send)

    async def _record(self, scope: Scope, body: bytes, truncated: bool, status: int) -> None:
        app = scope["app"]
        token = _session_token(scope)
        user_id = user_id_from_token(token, settings=app.state.settings) if token else None
        if user_id is None or scope["path"] in UNAUDITED_ROUTES:
            return
        headers = dict(scope.get("headers", []))
        route_path, subject_type, subject_id = _route_template(scope["path"], scope.get("path_params", {}))
        subject_type, subject_id = scope.get("state", {}).get("audit_subject", (subject_type, subject_id))
        async with app.state.session_factory() as session:
            user = await session.get(User, user_id)
            if user is None:
                return
            session.add(AuditEntry(
                actor_user_id=user.id, actor_name=user.display_name, actor_role=user.role,
                method=scope["method"], route=route_path, path=scope["path"], status_code=status,
                subject_type=subject_type, subject_id=subject_id,
                payload=_payload(body, headers.get(b"content-type", b"").decode(), truncated),
            ))  # fmt: skip
            await session.commit()
