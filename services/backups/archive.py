"""One backup is one file: `jiaoyan-<UTC time>-<label>.tar.gz` holding manifest.json and the
snapshots, with `<archive>.sha256` beside it; the newest BACKUP_KEEP are kept."""

import hashlib
import io
import os
import tarfile
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from config import Settings
from services.backups import manifest as manifests
from services.backups.manifest import File, Manifest
from services.backups.targets import targets

PATTERN = "jiaoyan-*.tar.gz"


class BadArchive(Exception):
    pass


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def create(settings: Settings, *, label: str = "manual") -> Path:
    """Snapshot every target in order, check each, archive them with their manifest, rotate."""
    backups = settings.backup_dir
    backups.mkdir(mode=0o700, parents=True, exist_ok=True)  # archives hold password hashes and tokens
    with tempfile.TemporaryDirectory(dir=backups, prefix=".taking-") as work:
        files, revision = [], None
        for target in targets(settings):
            path = Path(work) / target.name
            started = time.monotonic()
            integrity = target.take(path)
            files.append(File(name=target.name, sha256=sha256(path), size=path.stat().st_size, integrity=integrity,
                              seconds=round(time.monotonic() - started, 3)))
            if target.revision:
                revision = target.revision(path)
        now = datetime.now(UTC)
        manifest = Manifest(created_at=now, label=label, backend="sqlite" if settings.is_sqlite else "postgresql",
                            alembic_revision=revision, files=files, **manifests.versions())
        archive = backups / f"jiaoyan-{now:%Y%m%dT%H%M%S.%fZ}-{label}.tar.gz"
        partial = archive.with_suffix(".partial")
        with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
            _add_bytes(tar, "manifest.json", manifest.dumps())
            for file in files:
                tar.add(Path(work) / file.name, arcname=file.name)
        partial.chmod(0o600)
        os.replace(partial, archive)  # a listing never shows half an archive
    archive.with_name(archive.name + ".sha256").write_text(f"{sha256(archive)}  {archive.name}\n")
    rotate(settings)
    return archive


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
    tar.addfile(info, io.BytesIO(data))


def listing(settings: Settings) -> list[Path]:
    """The archives, newest first."""
    return sorted(settings.backup_dir.glob(PATTERN), reverse=True) if settings.backup_dir.is_dir() else []


def newest_time(settings: Settings) -> datetime | None:
    archives = listing(settings)
    return datetime.fromtimestamp(archives[0].stat().st_mtime, UTC) if archives else None


def rotate(settings: Settings) -> None:
    for old in listing(settings)[settings.backup_keep:]:
        old.unlink()
        old.with_name(old.name + ".sha256").unlink(missing_ok=True)


def unpack(archive: Path, into: Path) -> Manifest:
    """Extract `archive` into `into` and check every checksum; its manifest."""
    sidecar = archive.with_name(archive.name + ".sha256")
    if sidecar.exists() and sidecar.read_text().split()[0] != sha256(archive):
        raise BadArchive(f"{archive.name} does not match {sidecar.name}: damaged or changed since it was taken")
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(into, filter="data")  # no absolute paths, links or devices
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BadArchive(f"{archive.name} cannot be read: {exc}") from exc
    try:
        manifest = Manifest.model_validate_json((into / "manifest.json").read_bytes())
    except (OSError, ValueError) as exc:
        raise BadArchive(f"{archive.name} has no readable manifest.json: {exc}") from exc
    if manifest.format > manifests.FORMAT:
        raise BadArchive(f"{archive.name} is in backup format {manifest.format}; this release reads up to "
                         f"{manifests.FORMAT}: restore it with the release that made it ({manifest.app_commit})")
    for file in manifest.files:
        if sha256(into / file.name) != file.sha256:
            raise BadArchive(f"{archive.name}: {file.name} does not match its checksum in the manifest")
    return manifest


def unpack_manifest(archive: Path) -> Manifest:
    """The manifest alone (listings, the admin page), without extracting the databases."""
    with tarfile.open(archive, "r:gz") as tar:
        return Manifest.model_validate_json(tar.extractfile("manifest.json").read())
