"""The Alembic migrations build exactly the models' schema, and come back down, on SQLite and
PostgreSQL. (Sync tests: Alembic runs its own event loop.)"""

import asyncio
import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from db import create_engine
from models import Base
from scripts.bootstrap import migrate
from tests.postgres import throwaway_postgres


async def _schema_state(url: str) -> tuple[list, set[str]]:
    engine = create_engine(url)
    async with engine.connect() as connection:
        differences = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )
        tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    await engine.dispose()
    return differences, tables


def _upgrade_check_downgrade(url: str) -> None:
    migrate(url)
    differences, tables = asyncio.run(_schema_state(url))
    assert differences == [], "models and migrations differ: run `alembic revision --autogenerate`"
    assert set(Base.metadata.tables) <= tables
    migrate_down(url)
    _, tables = asyncio.run(_schema_state(url))
    assert tables <= {"alembic_version"}
    migrate(url)  # and up again from nothing


def migrate_down(url: str) -> None:
    from alembic import command
    from alembic.config import Config

    from config import ROOT

    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = url
    config.attributes["configure_logging"] = False
    command.downgrade(config, "base")


def test_sqlite_upgrade_and_downgrade(tmp_path):
    _upgrade_check_downgrade(f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}")


@pytest.mark.postgres
def test_postgresql_upgrade_and_downgrade():
    with throwaway_postgres() as url:
        _upgrade_check_downgrade(url)


def test_audit_rows_from_before_0012_are_labelled_from_the_old_route_table(tmp_path):
    """The URL table the timeline once matched lives on, frozen, in migration 0012: it labels the
    rows written before it once; a route it never knew keeps no label (the timeline shows it)."""
    path = tmp_path / "labels.db"
    migrate(f"sqlite+aiosqlite:///{path}", "0011")
    with sqlite3.connect(path) as db:  # (no user 1: sqlite3 leaves foreign keys unchecked)
        db.executemany(
            "INSERT INTO audit_entries (at, actor_user_id, actor_name, actor_role, method, route, path, status_code,"
            " payload) VALUES ('2026-11-26 08:00:00', 1, '周教研', 'staff', ?, ?, '/', 200, '{}')",
            [("POST", "/api/v1/campaigns/{campaign_id}/problems"),
             ("POST", "/console/campaigns/{campaign_id}/problems/{problem_id}/vote"),
             ("PATCH", "/api/v1/clusters/{item_id}")])
    migrate(f"sqlite+aiosqlite:///{path}")
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT action FROM audit_entries ORDER BY id").fetchall() == [
            ("提交教学问题",), ("投票",), (None,)]
