"""Database engine and sessions. One engine per process; SQLite gets WAL and a queue for its
writers (db/sqlite.py), so the API and the worker can write at the same time."""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from db import sqlite, sqlite_driver

SessionFactory = async_sessionmaker[AsyncSession]
# PostgreSQL: enough connections for 32 requests in flight per process, within the server's
# default max_connections (100) for two API processes and the worker.
POSTGRES_POOL = {"pool_size": 20, "max_overflow": 5}


def create_engine(database_url: str) -> AsyncEngine:
    if not database_url.startswith("sqlite"):
        return create_async_engine(database_url, pool_pre_ping=True, **POSTGRES_POOL)
    engine = create_async_engine(database_url, connect_args=sqlite.CONNECT_ARGS, module=sqlite_driver.DBAPI)
    sqlite.configure(engine)
    return engine


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False)


async def ping(session: AsyncSession) -> None:
    """Raises unless the database answers (the health probe)."""
    await session.execute(text("SELECT 1"))
