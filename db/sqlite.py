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
import contextlib
import os
import re
import sqlite3
from contextlib import closing

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import await_

BUSY_TIMEOUT_S = 30
PRAGMAS = [
    "journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", f"busy_timeout={BUSY_TIMEOUT_S * 1000}",
    "temp_store=MEMORY",  # the board's count(DISTINCT …) sorts in memory, not in a temp file
    "mmap_size=268435456",  # reads map the file (up to 256 MiB) instead of copying pages through read()
    "wal_autocheckpoint=0",  # commits run on the event loop (db/sqlite_driver.py): checkpoints run apart
]
CHECKPOINT_EVERY = 500  # commits; about what SQLite's own 1,000-page auto-checkpoint would take
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


class _Checkpoints:
    """Copies the WAL back into the database file every CHECKPOINT_EVERY commits, in a worker
    thread on a connection of its own: the disk work (and its fsync) a commit would otherwise do
    on the event loop. PASSIVE: it waits for no reader or writer and does what it can."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.commits = 0
        self.running: asyncio.Future | None = None

    def committed(self) -> None:
        self.commits += 1
        if self.commits >= CHECKPOINT_EVERY and (self.running is None or self.running.done()):
            self.commits = 0
            try:
                self.running = asyncio.get_running_loop().run_in_executor(None, self.checkpoint)
            except RuntimeError:  # no event loop to keep free
                self.checkpoint()

    def checkpoint(self) -> None:
        with closing(sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S)) as connection:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)")


# The driver opens a transaction just before a write statement, in the same call (reads before it
# run outside any transaction); IMMEDIATE makes that BEGIN IMMEDIATE.
CONNECT_ARGS = {"timeout": BUSY_TIMEOUT_S, "isolation_level": "IMMEDIATE",
                # A write transaction's statements after its first run on the event loop's thread
                # (db/sqlite_driver.py), one at a time like every use of the connection.
                "check_same_thread": False}


def make_private(path: str) -> None:
    """The database holds password hashes, activation codes and feed tokens: readable by its owner
    only. Created 0600 before SQLite opens it (SQLite gives its -wal and -shm files the main file's
    mode); a file an earlier release made world-readable is tightened."""
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    for name in (path, f"{path}-wal", f"{path}-shm"):
        with contextlib.suppress(FileNotFoundError, PermissionError):  # not ours to change: left as it is
            os.chmod(name, 0o600)


def configure(engine: AsyncEngine) -> None:
    make_private(engine.url.database or "")
    queue = _WriteQueue()
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        for pragma in PRAGMAS:
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    if engine.url.database not in (None, "", ":memory:"):
        checkpoints = _Checkpoints(engine.url.database)

        @event.listens_for(sync_engine, "commit")
        def _count(_connection) -> None:
            checkpoints.committed()

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
