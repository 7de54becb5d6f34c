"""A request id on every answer (X-Request-ID) and on every log line written while serving it
(config/logs.py). A client's or proxy's own X-Request-ID is kept when it looks like an id (letters,
digits, - and _, at most 64): anything else could forge or break a log line, so it gets a new one."""

import re
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from config.logs import request_id

HEADER = "x-request-id"
ACCEPTED = re.compile(r"[A-Za-z0-9_-]{1,64}")


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(HEADER.encode(), b"").decode("latin-1")
        current = given if ACCEPTED.fullmatch(given) else uuid.uuid4().hex
        token = request_id.set(current)

        async def with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = current
            await send(message)

        try:
            await self.app(scope, receive, with_header)
        finally:
            request_id.reset(token)
