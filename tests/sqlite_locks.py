"""A SQLite database whose write lock another process holds: the API's engine on the test's file,
with an empty `tally` table to write to, while a second connection (the worker, another process)
is inside BEGIN IMMEDIATE until the test lets it go."""

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy import text

from config import Settings
from db import SessionFactory, create_engine, create_session_factory


@dataclass
class HeldLock:
    sessions: SessionFactory
    other_process: sqlite3.Connection

    def release(self) -> None:
        self.other_process.execute("COMMIT")


@asynccontextmanager
async def held_by_another_process(settings: Settings) -> AsyncIterator[HeldLock]:
    engine = create_engine(settings.database_url)
    sessions = create_session_factory(engine)
    async with sessions() as session:
        await session.execute(text("CREATE TABLE tally (n INTEGER)"))
        await session.commit()
    other_process = sqlite3.connect(engine.url.database, isolation_level=None)
    other_process.execute("BEGIN IMMEDIATE")
    try:
        yield HeldLock(sessions, other_process)
    finally:
        if other_process.in_transaction:
            other_process.execute("COMMIT")
        other_process.close()
        await engine.dispose()
