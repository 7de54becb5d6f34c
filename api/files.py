"""Serving a stored file (the library's, to the API and the console alike): always its own path,
its detected type, `nosniff` and a sandboxing policy, so even a file a browser could render as a
page is never one (no script, no same origin, no forms); as a download (attachment), or a PDF or
image inline for a preview under the same policy."""

from urllib.parse import quote

from fastapi.responses import StreamingResponse

from actions.library.actions import Download

# Kept by the security-headers middleware (api/security_headers.py) instead of the console's policy.
FILE_POLICY = "sandbox; default-src 'none'; img-src 'self'; media-src 'self'; frame-ancestors 'self'"


def content_disposition(filename: str, *, inline: bool) -> str:
    """RFC 6266: an ASCII fallback name and the UTF-8 name (教案.pdf) for browsers that read it."""
    fallback = "".join(c if c.isascii() and c.isalnum() or c in "._-" else "_" for c in filename)
    return f"{'inline' if inline else 'attachment'}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def file_response(download: Download) -> StreamingResponse:
    return StreamingResponse(download.chunks, media_type=download.file.media_type, headers={
        "Content-Disposition": content_disposition(download.file.filename, inline=download.inline),
        "Content-Length": str(download.file.size),
        "Content-Security-Policy": FILE_POLICY,
        "Cache-Control": "private, no-store",
    })
