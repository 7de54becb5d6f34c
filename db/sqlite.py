"""SQLite under concurrent requests: WAL, so readers never wait for the writer, and one writer
at a time per process, queued in asyncio rather than in SQLite's busy handler.

SQLite runs one write transaction at a time. A connection that finds the write lock taken sleeps
in SQLite's busy handler and polls (after 1, 2, 5 … 100 ms), so under 32 concurrent writers
most of a request's time went to those sleeps. Here a connection first takes its engine's write
queue (an asyncio lock: first come, first served, woken the moment it is free) before its first
write statement, which the driver opens with BEGIN IMMEDIATE in the same call, and gives the
queue back once the transaction has committed or rolled back. A writing transaction therefore
holds SQLite's lock from its first statement on and never fails on a stale snapshot ("database
is locked"); its reads before that ran outside any transaction. Other processes (the worker)
still meet in the busy handler, within `BUSY_TIMEOUT_S`."""

import asyncio
import re

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import await_

BUSY_TIMEOUT_S = 30
PRAGMAS = [
    "journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", f"busy_timeout={BUSY_TIMEOUT_S * 1000}",
    "temp_store=MEMORY",  # the board's count(DISTINCT …) sorts in memory, not in a temp file
    "mmap_size=268435456",  # reads map the file (up to 256 MiB) instead of copying pages through read()
]
WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


class _WriteQueue:
    """One writing connection at a time; the others wait their turn in asyncio."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.holder = None  # the DBAPI connection in a write transaction

    def enter(self, dbapi_connection) -> None:
        if self.holder is dbapi_connection:
            return
        # Runs inside SQLAlchemy's greenlet, so it may wait on the event loop.
        await_(asyncio.wait_for(self.lock.acquire(), BUSY_TIMEOUT_S))
        self.holder = dbapi_connection

    def leave(self, dbapi_connection) -> None:
        if self.holder is dbapi_connection:
            self.holder = None
            self.lock.release()


# The driver opens a transaction just before a write statement, in the same call (reads before it
# run outside any transaction); IMMEDIATE makes that BEGIN IMMEDIATE.
CONNECT_ARGS = {"timeout": BUSY_TIMEOUT_S, "isolation_level": "IMMEDIATE",
                # A write transaction's statements after its first run on the event loop's thread
                # (db/sqlite_driver.py), one at a time like every use of the connection.
                "check_same_thread": False}


def configure(engine: AsyncEngine) -> None:
    queue = _WriteQueue()
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        for pragma in PRAGMAS:
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(sync_engine, "before_cursor_execute")
    def _before_write(connection: Connection, _cursor, statement: str, *_) -> None:
        if WRITES.match(statement):
            queue.enter(connection.connection.dbapi_connection)

    # The end of a transaction, wrapped: the queue is given back once it has really ended
    # (SQLAlchemy's commit and rollback events fire before), also when the pool rolls back a
    # connection returned mid-transaction. Reads ran outside any transaction: ending "theirs"
    # would only cost a round trip to the driver's thread, so it is skipped.
    dialect = sync_engine.dialect
    for name in ("do_commit", "do_rollback"):
        end = getattr(dialect, name)

        def ended(proxied, end=end) -> None:
            try:
                if proxied.driver_connection.in_transaction:
                    end(proxied)
            finally:
                queue.leave(proxied.dbapi_connection)

        setattr(dialect, name, ended)
    # A connection closed or terminated without a rollback (a cancelled request) gives it back too.
    for name in ("do_close", "do_terminate"):
        close = getattr(dialect, name)

        def closed(dbapi_connection, close=close) -> None:
            try:
                close(dbapi_connection)
            finally:
                queue.leave(dbapi_connection)

        setattr(dialect, name, closed)

    @event.listens_for(sync_engine, "invalidate")
    def _lost(dbapi_connection, _record, _exception) -> None:
        queue.leave(dbapi_connection)
