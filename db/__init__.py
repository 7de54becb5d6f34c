"""Database engine and sessions. One engine per process; SQLite gets WAL and a queue for its
writers (db/sqlite.py), so the API and the worker can write at the same time."""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from db import sqlite, sqlite_driver

SessionFactory = async_sessionmaker[AsyncSession]
# PostgreSQL: enough connections for 32 requests in flight per process, within the server's
# default max_connections (100) for two API processes and the worker.
POSTGRES_POOL = {"pool_size": 20, "max_overflow": 5}
# SQLite: a writer waits for its turn (db/sqlite.py) holding its connection, so the pool must hold
# more connections than writers queue, or a mere read waits behind them for one and fails after
# 30 s (500). Found by the soak: thirty organisers planning their series at once while the worker
# stored a notice to 5,000 teachers exhausted the default 5 + 10. Idle ones are closed again.
SQLITE_POOL = {"pool_size": 5, "max_overflow": 195}


def create_engine(database_url: str) -> AsyncEngine:
    if not database_url.startswith("sqlite"):
        return create_async_engine(database_url, pool_pre_ping=True, **POSTGRES_POOL)
    engine = create_async_engine(database_url, connect_args=sqlite.CONNECT_ARGS, module=sqlite_driver.DBAPI,
                                 **SQLITE_POOL)
    sqlite.configure(engine)
    return engine


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False)


async def ping(session: AsyncSession) -> None:
    """Raises unless the database answers (the health probe)."""
    await session.execute(text("SELECT 1"))
