"""What a backup holds, in the order it is taken: Temporal's database(s) first, the app's last (see
the package's docstring). On SQLite (`make run`) the two files in var/; on PostgreSQL (compose) the
app's database and Temporal's two on the same server, as pg_dump custom-format dumps."""

import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from config import Settings
from services.backups import sqlite_snapshot

# docker-compose.yml's layout: Temporal's schema job creates these beside the app's database.
TEMPORAL_DATABASES = ("temporal", "temporal_visibility")


@dataclass(frozen=True)
class Target:
    name: str  # the file inside the archive
    live: Path | str  # the SQLite file, or the PostgreSQL URL
    take: Callable[[Path], str]  # writes the snapshot to a path; says how it was checked
    put_back: Callable[[Path], None]  # restores from a snapshot file
    revision: Callable[[Path], str | None] | None = None  # the app's: its Alembic revision, from the snapshot


def temporal_db_file(settings: Settings) -> Path:
    """The embedded dev server's database (scripts/run_stack.py)."""
    return settings.var_dir / "temporal.db"


def app_db_file(settings: Settings) -> Path:
    return Path(make_url(settings.database_url).database)


def targets(settings: Settings) -> list[Target]:
    if settings.is_sqlite:
        return [_sqlite("temporal.db", temporal_db_file(settings)),
                _sqlite("jiaoyan.db", app_db_file(settings), is_app=True)]
    app = make_url(settings.database_url).set(drivername="postgresql")
    return [*(_postgres(f"{name}.dump", app.set(database=name)) for name in TEMPORAL_DATABASES),
            _postgres("jiaoyan.dump", app, is_app=True)]


def _sqlite(name: str, live: Path, *, is_app: bool = False) -> Target:
    def take(path: Path) -> str:
        sqlite_snapshot.snapshot(live, path)
        return "integrity_check ok"

    def put_back(path: Path) -> None:
        sqlite_snapshot.check(path)
        beside = live.with_name(live.name + ".restoring")  # same directory: the rename below is atomic
        shutil.copyfile(path, beside)
        # A -wal or -shm left beside the old file would be replayed into the restored one.
        for stale in (live, live.with_name(live.name + "-wal"), live.with_name(live.name + "-shm")):
            stale.unlink(missing_ok=True)
        os.replace(beside, live)

    return Target(name, live, take, put_back, sqlite_snapshot.alembic_revision if is_app else None)


def _postgres(name: str, url, *, is_app: bool = False) -> Target:
    conninfo = url.render_as_string(hide_password=False)

    def take(path: Path) -> str:
        # One dump is one transaction (a consistent snapshot of that database); across the three,
        # consistency comes from the order and from quiescing (README, Operations).
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={path}", f"--dbname={conninfo}"])
        return "pg_dump"

    def put_back(path: Path) -> None:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              f"--dbname={conninfo}", str(path)])

    def revision(_: Path) -> str | None:
        # Read from the live database just after its dump: the app is quiesced meanwhile.
        with psycopg.connect(conninfo) as db:
            row = db.execute("SELECT version_num FROM alembic_version").fetchone()
        return row[0] if row else None

    return Target(name, conninfo, take, put_back, revision if is_app else None)


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise RuntimeError(f"{command[0]} not found: install the PostgreSQL client (Debian: postgresql-client)")
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {done.stderr.strip()[-500:]}")
