"""An online snapshot of a live SQLite database: the backup API copies it in one step, inside one read
transaction, so the copy is the database at one instant (in WAL mode the writers go on meanwhile).
A copy of the file itself is not: pages in the -wal file, or written while copying, are lost or torn."""

import sqlite3
from contextlib import closing
from pathlib import Path


class CorruptSnapshot(Exception):
    pass


def snapshot(source: Path, target: Path) -> None:
    """`source` (must exist: mode=rw never creates it) at one instant, into the new file `target`."""
    with closing(sqlite3.connect(f"file:{source}?mode=rw", uri=True, timeout=30)) as live, \
            closing(sqlite3.connect(target)) as copy:
        live.execute("PRAGMA busy_timeout = 30000")
        live.backup(copy)  # pages=-1: every page in one step, one read transaction
    check(target)


def check(path: Path) -> None:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        found = [row[0] for row in db.execute("PRAGMA integrity_check")]
    if found != ["ok"]:
        raise CorruptSnapshot(f"{path.name}: integrity_check: {'; '.join(found[:5])}")


def alembic_revision(path: Path) -> str | None:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        try:
            return db.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        except sqlite3.OperationalError:  # no schema yet
            return None
