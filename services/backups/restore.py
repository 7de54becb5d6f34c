"""Restoring an archive over what is there. Refused while the stack runs, for an archive this code
cannot read (a newer release's), or whose checksums fail; otherwise what is there is backed up first
(label `before-restore`), then each database is put back in the archive's order. On the next `make
run` the migrations bring an older schema up, the worker's reconciler starts any record's missing
run, and the runs carry on from the instant of the backup (README, Operations)."""

import tempfile
from pathlib import Path

from config import Settings
from services.backups import archive as archives
from services.backups.manifest import Manifest, known_revision, migrations
from services.backups.stack_lock import refuse_if_running
from services.backups.targets import targets


class RefusedRestore(Exception):
    pass


def check_revision(manifest: Manifest) -> None:
    if not known_revision(manifest.alembic_revision):
        head = migrations().get_current_head()
        raise RefusedRestore(
            f"this backup was made by a newer release (database revision {manifest.alembic_revision}, "
            f"commit {manifest.app_commit}); this code knows revisions up to {head}. Restore it with that "
            "release or a later one: an older release cannot run a newer schema.")


def restore(settings: Settings, archive: Path) -> tuple[Manifest, Path | None]:
    """The archive's manifest, and the safety backup taken first (None when there was nothing to keep)."""
    refuse_if_running(settings)
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=settings.var_dir, prefix=".restoring-") as scratch:
        manifest = archives.unpack(archive, Path(scratch))
        check_revision(manifest)
        backend = "sqlite" if settings.is_sqlite else "postgresql"
        if manifest.backend != backend:
            raise RefusedRestore(f"this backup is of a {manifest.backend} deployment; DATABASE_URL here is {backend}")
        wanted = targets(settings)
        if [file.name for file in manifest.files] != [target.name for target in wanted]:
            raise RefusedRestore(f"the archive holds {[f.name for f in manifest.files]}, "
                                 f"this deployment needs {[t.name for t in wanted]}")
        there = [t for t in wanted if not settings.is_sqlite or Path(t.live).exists()]
        safety = archives.create(settings, label="before-restore") if len(there) == len(wanted) else None
        for target in wanted:
            target.put_back(Path(scratch) / target.name)
    return manifest, safety
