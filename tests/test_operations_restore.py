"""Backups and restores without a running stack (services/backups): rotation, the safety backup, the
stale -wal/-shm files, and every refusal a restore owes the operator, with words; and the same on
PostgreSQL (pg_dump of the app's database and Temporal's two, pg_restore), against a throwaway server.
tests/test_operations_backup.py restores under real processes."""

import sqlite3
from contextlib import closing

import psycopg
import pytest
from sqlalchemy.engine import make_url

from config import Settings
from scripts.bootstrap import migrate
from services.backups import archive as archives
from services.backups.archive import BadArchive
from services.backups.restore import RefusedRestore, restore
from services.backups.stack_lock import StackRunning, held
from services.backups.targets import TEMPORAL_DATABASES, app_db_file, temporal_db_file
from tests.notification_receivers import free_port
from tests.postgres import throwaway_postgres


def _write(path, revision: str, note: str) -> None:
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA journal_mode=wal")
        db.execute("CREATE TABLE IF NOT EXISTS alembic_version (version_num TEXT)")
        db.execute("CREATE TABLE IF NOT EXISTS notes (text TEXT)")
        db.execute("DELETE FROM alembic_version")
        db.execute("INSERT INTO alembic_version VALUES (?)", (revision,))
        db.execute("DELETE FROM notes")
        db.execute("INSERT INTO notes VALUES (?)", (note,))
        db.commit()


def _note(path) -> str:
    with closing(sqlite3.connect(path)) as db:
        return db.execute("SELECT text FROM notes").fetchone()[0]


@pytest.fixture
def stopped(tmp_path) -> Settings:
    """A stopped one-machine deployment: both SQLite files, nothing listening on its ports."""
    settings = Settings(_env_file=None, environment="test", var_dir=tmp_path, temporal_dev_port=free_port(),
                        database_url=f"sqlite+aiosqlite:///{tmp_path / 'jiaoyan.db'}", backup_keep=2)
    _write(temporal_db_file(settings), "-", "temporal then")
    _write(app_db_file(settings), "0012", "app then")
    return settings


def test_restore_puts_back_both_files_after_a_safety_backup(stopped):
    first = archives.create(stopped)
    _write(app_db_file(stopped), "0012", "app later")
    _write(temporal_db_file(stopped), "-", "temporal later")
    stale = app_db_file(stopped).with_name("jiaoyan.db-wal")
    stale.write_bytes(b"not a wal of the restored file")

    manifest, safety = restore(stopped, first)

    assert (_note(app_db_file(stopped)), _note(temporal_db_file(stopped))) == ("app then", "temporal then")
    assert not stale.exists()
    assert manifest.alembic_revision == "0012" and [f.name for f in manifest.files] == ["temporal.db", "jiaoyan.db"]
    assert archives.unpack_manifest(safety).label == "before-restore"
    restore(stopped, safety)  # the safety backup restores what was there
    assert _note(app_db_file(stopped)) == "app later"


def test_only_the_newest_are_kept(stopped):
    taken = [archives.create(stopped, label="scheduled") for _ in range(3)]
    assert archives.listing(stopped) == taken[:0:-1]
    assert not taken[0].with_name(taken[0].name + ".sha256").exists()


def test_restore_refuses_while_the_stack_runs(stopped):
    archive = archives.create(stopped)
    with held(stopped), pytest.raises(StackRunning, match="the stack is running .* stop it"):
        restore(stopped, archive)


def test_restore_refuses_a_backup_from_a_newer_release_with_words(stopped):
    _write(app_db_file(stopped), "9999", "from the future")
    archive = archives.create(stopped)
    _write(app_db_file(stopped), "0012", "app now")
    with pytest.raises(RefusedRestore, match="made by a newer release .*revision 9999.* knows revisions up to"):
        restore(stopped, archive)
    assert _note(app_db_file(stopped)) == "app now"  # nothing touched


def test_a_damaged_archive_is_refused(stopped):
    archive = archives.create(stopped)
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    archive.write_bytes(bytes(data))
    with pytest.raises(BadArchive, match="does not match"):
        restore(stopped, archive)


@pytest.mark.postgres
def test_postgres_backup_and_restore(tmp_path):
    with throwaway_postgres() as admin_url:
        admin = make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(admin, autocommit=True) as db:
            for name in (*TEMPORAL_DATABASES, "jiaoyan"):
                db.execute(f"CREATE DATABASE {name}")
        app_url = make_url(admin_url).set(database="jiaoyan").render_as_string(hide_password=False)
        migrate(app_url)
        settings = Settings(_env_file=None, environment="test", var_dir=tmp_path, database_url=app_url,
                            temporal_dev_port=free_port())
        plain = make_url(app_url).set(drivername="postgresql").render_as_string(hide_password=False)
        temporal = make_url(plain).set(database="temporal").render_as_string(hide_password=False)
        with psycopg.connect(temporal, autocommit=True) as db:
            db.execute("CREATE TABLE executions (id int)")
            db.execute("INSERT INTO executions VALUES (1)")

        archive = archives.create(settings)
        with psycopg.connect(temporal, autocommit=True) as db:
            db.execute("INSERT INTO executions VALUES (2)")
            with pytest.raises(StackRunning, match="1 other connection"):  # a Temporal server still on it
                restore(settings, archive)
        manifest, safety = restore(settings, archive)

        with psycopg.connect(temporal) as db:
            assert db.execute("SELECT count(*) FROM executions").fetchone()[0] == 1
        with psycopg.connect(plain) as db:
            assert db.execute("SELECT version_num FROM alembic_version").fetchone()[0] == manifest.alembic_revision
    assert [f.name for f in manifest.files] == ["temporal.dump", "temporal_visibility.dump", "jiaoyan.dump"]
    assert manifest.backend == "postgresql" and safety is not None
