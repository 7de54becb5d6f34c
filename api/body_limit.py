"""The size limit of request bodies, before anything reads them: a declared Content-Length over
the limit is answered 413 before the app runs (no login check, no parsing); a body streamed
without one is counted as it arrives and refused the moment it passes the limit.

A pure ASGI middleware, the outermost one, so the audit and the routes never see the excess."""

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodySizeLimit:
    def __init__(self, app: ASGIApp, *, limit: int, larger: dict[str, int]) -> None:
        """`limit` in bytes for every path but those in `larger` (path → its own limit: uploads)."""
        self.app = app
        self.limit = limit
        self.larger = larger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get(scope["path"], self.limit)
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(limit)(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # FastAPI passes an HTTPException raised while it reads the body on unchanged.
                    raise HTTPException(413, detail=_too_large(limit))
            return message

        await self.app(scope, counting_receive, send)


def _refuse(limit: int) -> JSONResponse:
    # Connection: close, as the body the client is still sending will not be read.
    return JSONResponse({"detail": _too_large(limit)}, status_code=413, headers={"Connection": "close"})


def _too_large(limit: int) -> str:
    return f"请求体过大，最多 {limit} 字节 (request body larger than {limit} bytes)"
