"""SQLAlchemy's aiosqlite adapter, with fewer trips to the connection's thread.

aiosqlite runs each sqlite3 call in the connection's own thread and hands the result back to the
event loop. SQLAlchemy's adapter makes four such trips per statement (open a cursor, execute,
fetch, close); under 32 concurrent requests each trip waits its turn in the busy event loop, so a
vote's eight statements cost about sixty trips, and a write transaction held SQLite's write lock
across every trip of its statements and its commit: writers queued behind a lock held mostly by
waiting.

Here a statement is one function (cursor, execute, fetch every row, close) run in that thread:
one trip, which reads still take, so a long read never blocks the loop. Once a transaction has
written, SQLite's write lock is its own until it ends; its further statements cannot wait on a
lock and take a fraction of a millisecond, so they run on the loop's thread directly (the
connection is opened with check_same_thread=False and, as always, used by one caller at a time).
So does its commit, which does no disk work beyond appending to the WAL: checkpoints run apart
(db/sqlite.py). A transaction's first write still goes to the thread, where it may wait for the
lock (BEGIN IMMEDIATE, db/sqlite.py)."""

import collections
import weakref
from typing import Any

import aiosqlite
import sqlite3
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_connection, AsyncAdapt_aiosqlite_dbapi
from sqlalchemy.util import await_

from db.sqlite import WRITES


# Connections whose transaction has written: SQLite's write lock is theirs until it ends. (A
# transaction's first write goes to the thread: it may wait for the lock; see db/sqlite.py.)
_holding_write_lock: weakref.WeakSet[aiosqlite.Connection] = weakref.WeakSet()


def _run_statement(connection: sqlite3.Connection, operation: str, parameters) -> tuple:
    cursor = connection.cursor()
    try:
        cursor.execute(operation, () if parameters is None else parameters)
        description = cursor.description
        return description, cursor.fetchall() if description else [], cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def _run_many(connection: sqlite3.Connection, operation: str, seq_of_parameters) -> int:
    cursor = connection.cursor()
    try:
        cursor.executemany(operation, seq_of_parameters)
        return cursor.rowcount
    finally:
        cursor.close()


class OneTripCursor:
    """The DBAPI cursor SQLAlchemy sees: every statement's results are already in memory."""

    server_side = False
    __slots__ = ("_adapt_connection", "_connection", "_rows", "description", "rowcount", "lastrowid", "arraysize")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection):
        self._adapt_connection = adapt_connection
        self._connection: aiosqlite.Connection = adapt_connection._connection
        self._rows: collections.deque = collections.deque()
        self.description = None
        self.rowcount = -1
        self.lastrowid = None
        self.arraysize = 1

    def _run(self, function, operation: str, *args) -> Any:
        driver = self._connection._conn
        if self._connection in _holding_write_lock and driver.in_transaction:
            # The statement cannot wait on a lock and takes a fraction of a millisecond: it runs
            # here, so the write lock is not held across trips to a busy event loop.
            try:
                return function(driver, operation, *args)
            except Exception as error:
                self._adapt_connection._handle_exception(error)
        result = self._in_thread(function, operation, *args)
        if WRITES.match(operation) and driver.in_transaction:
            _holding_write_lock.add(self._connection)  # until the transaction ends (_Connection._end)
        return result

    def _in_thread(self, function, *args) -> Any:
        async def trip():
            async with self._adapt_connection._execute_mutex:
                # aiosqlite's queue to its thread: SQLAlchemy's adapter uses it the same way.
                return await self._connection._execute(function, self._connection._conn, *args)

        try:
            return await_(trip())
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def execute(self, operation: str, parameters=None) -> None:
        self.description, rows, self.rowcount, self.lastrowid = self._run(_run_statement, operation, parameters)
        self._rows = collections.deque(rows)

    def executemany(self, operation: str, seq_of_parameters) -> None:
        self.description, self.lastrowid = None, None
        self.rowcount = self._run(_run_many, operation, seq_of_parameters)

    async def _async_soft_close(self) -> None:
        """Nothing stays open in the thread."""

    def close(self) -> None:
        self._rows.clear()

    def fetchone(self):
        return self._rows.popleft() if self._rows else None

    def fetchmany(self, size: int | None = None) -> list:
        rows = self._rows
        return [rows.popleft() for _ in range(min(size or self.arraysize, len(rows)))]

    def fetchall(self) -> list:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    def __iter__(self):
        while self._rows:
            yield self._rows.popleft()

    def __enter__(self):
        return self

    def __exit__(self, *_) -> None:
        self.close()


class _Connection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneTripCursor

    def commit(self) -> None:
        self._end(self._connection._conn.commit)

    def rollback(self) -> None:
        self._end(self._connection._conn.rollback)

    def _end(self, end) -> None:
        """Here, where the transaction's statements ran, under the write lock. A commit does no
        checkpoint of the WAL here: that disk work runs in a thread of its own (db/sqlite.py)."""
        if self._connection._connection is None:
            return  # closed already
        try:
            end()
        except Exception as error:
            self._handle_exception(error)
        finally:
            _holding_write_lock.discard(self._connection)


class _DBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *args, **kwargs) -> _Connection:
        adapted = super().connect(*args, **kwargs)
        adapted.__class__ = _Connection  # same slots; only the cursor class differs
        return adapted


# Passed to create_async_engine(module=…) in place of the one the dialect would import.
DBAPI = _DBAPI(aiosqlite, sqlite3)
