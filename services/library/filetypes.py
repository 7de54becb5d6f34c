"""What a file is, by its bytes: never by its name or the type its sender declared. Fed the chunks
as they stream past (`Sniffer`), it decides from the first bytes, and for a ZIP from the names of
its parts (an Office document is a ZIP whose parts say which). Only the types below are kept;
anything else, HTML, SVG and scripts above all, is refused naming what it was found to be."""

from dataclasses import dataclass, field
from pathlib import PurePosixPath, PureWindowsPath

import puremagic

HEAD_BYTES = 8 * 1024

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The types the library keeps, with the extension their files are served under.
ALLOWED = {
    "application/pdf": ".pdf", DOCX: ".docx", PPTX: ".pptx", XLSX: ".xlsx",
    "image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp",
    "video/mp4": ".mp4", "video/quicktime": ".mov", "video/webm": ".webm",
    "audio/mpeg": ".mp3", "audio/mp4": ".m4a", "audio/wav": ".wav", "audio/ogg": ".ogg",
}  # fmt: skip
# May be shown in the page (still under `sandbox`): a browser renders none of these as a document.
PREVIEWABLE = {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"}
# Whose words can be read for search and the near-copy check.
TEXT_BEARING = {"application/pdf", DOCX, PPTX, XLSX}
OFFICE_PARTS = {b"word/document.xml": DOCX, b"ppt/presentation.xml": PPTX, b"xl/workbook.xml": XLSX}
MARKUP = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<iframe", b"<object", b"<embed", b"<meta",
          b"<?xml", b"<svg", b"<a ", b"<img", b"<div", b"<form")  # fmt: skip
UNSAFE_NAME = str.maketrans({c: "_" for c in '<>:"/\\|?*;\x7f'} | {chr(c): "_" for c in range(32)})


def _by_signature(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] in (b"WEBP", b"WAVE"):
        return "image/webp" if head[8:12] == b"WEBP" else "audio/wav"
    if head[4:8] == b"ftyp":
        return {b"M4A ": "audio/mp4", b"qt  ": "video/quicktime"}.get(head[8:12], "video/mp4")
    if head.startswith(b"\x1aE\xdf\xa3"):
        return "video/webm"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    return None


def _refused_type(head: bytes) -> str:
    """What a file the library does not keep is, in words a person can check."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"<svg" in text:
        return "image/svg+xml"
    if any(marker in text for marker in MARKUP):
        return "text/html"
    if text.startswith(b"#!"):
        return "text/x-shellscript"
    try:
        return puremagic.from_string(head, mime=True) or "application/octet-stream"
    except (puremagic.PureError, ValueError):  # nothing it knows, or nothing at all
        pass
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "application/octet-stream"
    return "text/plain"


@dataclass
class Sniffer:
    """Fed every chunk of an upload in order; `media_type` once the last has passed."""

    head: bytes = b""
    _office: str | None = None
    _tail: bytes = field(default=b"", repr=False)

    def feed(self, chunk: bytes) -> None:
        if len(self.head) < HEAD_BYTES:
            self.head += chunk[: HEAD_BYTES - len(self.head)]
        if self._office is None and self.head.startswith(b"PK\x03\x04"):
            window = self._tail + chunk
            self._office = next((kind for part, kind in OFFICE_PARTS.items() if part in window), None)
            self._tail = window[-64:]

    @property
    def media_type(self) -> str:
        if self.head.startswith(b"PK\x03\x04"):
            return self._office or "application/zip"
        return _by_signature(self.head) or _refused_type(self.head)

    @property
    def allowed(self) -> bool:
        return self.media_type in ALLOWED


def safe_filename(name: str, media_type: str) -> str:
    """The name a file is stored and served under: its last path part, without control or
    reserved characters, at most 100 characters, ending in the extension its bytes are."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name.translate(UNSAFE_NAME).strip(" .")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{(stem or 'file')[:100]}{ALLOWED.get(media_type, '')}"
