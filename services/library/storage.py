"""Where the library's files are kept, behind one small interface: the local disk under var/ by
default, or an S3-compatible store (MinIO in compose). Both through obstore, which streams either
way: a put takes the bytes as they arrive (multipart above `PART_BYTES` on S3), a get hands them
out a chunk at a time, so no whole file is ever held in memory."""

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass

import obstore
from obstore.store import LocalStore, S3Store

from config import Settings

PART_BYTES = 8 * 1024 * 1024  # S3 multipart part size (at least 5 MiB by the protocol)
READ_CHUNK = 256 * 1024


@dataclass(frozen=True)
class BlobStore:
    store: LocalStore | S3Store

    async def put(self, key: str, chunks: AsyncIterable[bytes]) -> None:
        await obstore.put_async(self.store, key, chunks, chunk_size=PART_BYTES, max_concurrency=2)

    async def read(self, key: str) -> AsyncIterator[bytes]:
        result = await obstore.get_async(self.store, key)
        async for chunk in result.stream(min_chunk_size=READ_CHUNK):
            yield bytes(chunk)

    async def read_small(self, key: str) -> bytes:
        """A whole file at once: only for documents of bounded size (text extraction)."""
        result = await obstore.get_async(self.store, key)
        return bytes(await result.bytes_async())

    async def delete(self, key: str) -> None:
        await obstore.delete_async(self.store, key)


def blob_store(settings: Settings) -> BlobStore:
    if settings.library_storage == "s3":
        return BlobStore(S3Store(
            settings.library_s3_bucket, region=settings.library_s3_region,
            access_key_id=settings.library_s3_access_key or None, secret_access_key=settings.library_s3_secret_key or None,
            **({"endpoint": settings.library_s3_endpoint, "virtual_hosted_style_request": False,
                "client_options": {"allow_http": settings.library_s3_endpoint.startswith("http://")}}
               if settings.library_s3_endpoint else {}),
        ))
    return BlobStore(LocalStore(settings.library_dir, mkdir=True))
