"""What the library's tests share: documents made on the spot (Word files with given words, a
GIF/HTML polyglot), an S3-compatible server process on loopback (moto), and uploading as a teacher."""

import io
import subprocess
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from xml.sax.saxutils import escape

import httpx

from benchmarks.api_servers import free_port
from engine.connection import bundled_binary

BUCKET = "jiaoyan-library"
FIXED_DATE = (2026, 12, 7, 0, 0, 0)
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
# Starts as a GIF (kept: an image) and goes on as an HTML page with a script: if a browser ever
# rendered it as a page, the script would run.
POLYGLOT = b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00*/=0;<html><body><script>document.title='pwned';alert(1)</script></body></html>"


def docx(*paragraphs: str) -> bytes:
    """A Word document whose body is these paragraphs."""
    body = "".join(f"<w:p><w:r><w:t>{escape(p)}</w:t></w:r></w:p>" for p in paragraphs)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:  # dated, so the same words make the same bytes
        archive.writestr(zipfile.ZipInfo("[Content_Types].xml", FIXED_DATE), '<?xml version="1.0"?><Types/>')
        archive.writestr(zipfile.ZipInfo("word/document.xml", FIXED_DATE),
                         f'<?xml version="1.0"?><w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>')
    return buffer.getvalue()


@contextmanager
def s3_server() -> Iterator[str]:
    """moto's S3 server as a process of its own on a free loopback port, with the library's bucket;
    yields its endpoint."""
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    process = subprocess.Popen([bundled_binary("moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(urllib.request.Request(f"{endpoint}/{BUCKET}", method="PUT"), timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


def s3_settings(settings, endpoint: str):
    return settings.model_copy(update={"library_storage": "s3", "library_s3_endpoint": endpoint,
                                       "library_s3_bucket": BUCKET, "library_s3_access_key": "test",
                                       "library_s3_secret_key": "test"})


async def upload(api: httpx.AsyncClient, headers: dict, content, *, kind: str = "lesson_plan",
                 filename: str = "教案.docx") -> httpx.Response:
    return await api.post("/api/v1/library/uploads", params={"kind": kind, "filename": filename}, content=content,
                          headers={**headers, "Content-Type": "application/octet-stream"})


async def publish(api: httpx.AsyncClient, headers: dict, content: bytes, **fields) -> dict:
    """Upload and publish; the resource as answered."""
    uploaded = await upload(api, headers, content, kind=fields.get("kind", "lesson_plan"))
    assert uploaded.status_code == 201, uploaded.text
    body = {"kind": "lesson_plan", "title": "教案", "subject": "语文", "grade_band": "小学", **fields,
            "file_id": uploaded.json()["id"]}
    created = await api.post("/api/v1/library/resources", json=body, headers=headers)
    assert created.status_code == 201, created.text
    return created.json()
