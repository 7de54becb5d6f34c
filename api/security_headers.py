"""Security headers on every answer, API and console alike: one pure ASGI middleware.

The console loads its own stylesheet and nothing else (no inline script or style: templates use
console/static/console.css); the campaign report carries one fixed <style>, allowed by its hash.
No page may be framed (clickjacking), nothing is MIME-sniffed, and no URL leaves in a Referer:
calendar feed URLs carry their token, and training links lead off-site. Served over https (the
setting PUBLIC_BASE_URL), browsers are told to keep to https for a year (HSTS)."""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.campaigns.report import REPORT_STYLE_SOURCE
from services.evaluation.report import REPORT_STYLE_SOURCE as EVALUATION_REPORT_STYLE_SOURCE

# Charts are SVG images in data: URIs (services/charts): an image runs no script and loads nothing.
POLICY = (f"default-src 'self'; style-src 'self' {REPORT_STYLE_SOURCE} {EVALUATION_REPORT_STYLE_SOURCE}; "
          "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# FastAPI's /docs and /redoc pages load Swagger UI and ReDoc from their CDN and start them inline.
# They show only the OpenAPI document, which holds no user text.
DOCS_POLICY = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
               "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
               "font-src https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
               "worker-src blob:; base-uri 'none'; frame-ancestors 'none'")
HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
HTTPS_ONLY = {"Strict-Transport-Security": "max-age=31536000"}


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, docs_paths: set[str], https: bool) -> None:
        self.app = app
        self.docs_paths = docs_paths
        self.headers = HEADERS | (HTTPS_ONLY if https else {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = DOCS_POLICY if scope["path"] in self.docs_paths else POLICY

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                # A route may answer under a stricter policy of its own (library files: `sandbox`).
                headers.setdefault("Content-Security-Policy", policy)
                for name, value in self.headers.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
