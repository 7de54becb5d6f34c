"""Receiving a file: its chunks pass once through the size limit, the type check and the hash on
their way to the store, so the whole file is never in memory and a refused one is never kept.
A document's words are read back afterwards (bounded) for search and the near-copy check."""

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterable, AsyncIterator

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.errors import InvalidField, TooLarge
from models import LibraryFile, User
from services.library import text as document_text
from services.library.filetypes import ALLOWED, HEAD_BYTES, TEXT_BEARING, Sniffer, safe_filename
from services.library.storage import PUT_HELD_BYTES, BlobStore

# The store is handed whole pieces of this size, which divides PART_BYTES: a piece is never split
# between two parts (and held by both), and the Python-to-store crossings are few.
STORE_PIECE = 1024 * 1024
# What receiving one file holds at most, whatever its size: the store's parts on their way, and the
# piece being gathered with its copy.
UPLOAD_HELD_BYTES = PUT_HELD_BYTES + 2 * STORE_PIECE


class _Refused(Exception):
    """Stops the store's put mid-stream; turned into the domain error once the put is abandoned."""

    def __init__(self, error: Exception) -> None:
        self.error = error


def _not_kept(media_type: str) -> InvalidField:
    return InvalidField("file", f"文件内容是 {media_type}，资源库不接受这种文件 (the file's bytes are {media_type}, "
                                f"not one of: {', '.join(sorted(ALLOWED))})")


async def receive(session: AsyncSession, store: BlobStore, *, user: User, filename: str,
                  chunks: AsyncIterable[bytes], limit: int) -> LibraryFile:
    """Stores the upload and records it; 413 past `limit` bytes, 422 naming the type its bytes are
    when the library does not keep that type (decided on its first bytes, before more is stored)."""
    sniffer, digest, size = Sniffer(), hashlib.sha256(), 0

    async def checked() -> AsyncIterator[bytes]:
        nonlocal size
        pending = bytearray()  # the server's small reads handed on in pieces of STORE_PIECE
        async for chunk in chunks:
            size += len(chunk)
            if size > limit:
                raise _Refused(TooLarge(f"文件超过 {limit} 字节的上限 (file larger than {limit} bytes)", limit=limit))
            sniffer.feed(chunk)
            digest.update(chunk)
            if len(sniffer.head) >= HEAD_BYTES and not sniffer.head.startswith(b"PK") and not sniffer.allowed:
                raise _Refused(_not_kept(sniffer.media_type))
            pending += chunk
            while len(pending) >= STORE_PIECE:
                yield bytes(memoryview(pending)[:STORE_PIECE])  # one copy; the view is gone before the del
                del pending[:STORE_PIECE]
        if pending:
            yield bytes(pending)

    key = f"files/{uuid.uuid4().hex}"
    try:
        await store.put(key, checked())
    except _Refused as refused:
        raise refused.error from None
    if size == 0 or not sniffer.allowed:
        await store.delete(key)
        raise _not_kept(sniffer.media_type) if size else InvalidField("file", "文件为空 (the file is empty)")
    media_type = sniffer.media_type
    words = ""
    if media_type in TEXT_BEARING and size <= document_text.MAX_FILE_BYTES:
        words = await asyncio.to_thread(document_text.extract, await store.read_small(key), media_type)
    upload = LibraryFile(uploaded_by=user.id, key=key, filename=safe_filename(filename, media_type),
                         media_type=media_type, size=size, sha256=digest.hexdigest(), text=words)
    session.add(upload)
    await session.flush()
    return upload
