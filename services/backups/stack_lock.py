"""How a restore knows the stack is running: `make run` holds an exclusive lock on var/stack.lock for
as long as it lives (the kernel drops it when the process dies, even by SIGKILL: no stale pid file
to clean up), and the embedded Temporal server's port must not answer either (a server started by
hand, outside `make run`). On PostgreSQL (compose), no other session may be open on the databases."""

import fcntl
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from config import Settings
from services.backups.targets import TEMPORAL_DATABASES


class StackRunning(Exception):
    pass


def _lock_file(settings: Settings) -> Path:
    return settings.var_dir / "stack.lock"


@contextmanager
def held(settings: Settings) -> Iterator[None]:
    """Held by `make run` (scripts/run_stack.py) for its whole life."""
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    with _lock_file(settings).open("a+") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise StackRunning(f"the stack is already running ({_lock_file(settings)} is held)") from exc
        file.truncate(0)
        file.write(f"{os.getpid()}\n")
        file.flush()
        yield


def holder(settings: Settings) -> int | None:
    """The pid of the running `make run`, if one holds the lock."""
    lock = _lock_file(settings)
    if not lock.exists():
        return None
    with lock.open() as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return int(lock.read_text().split()[0])
    return None


def refuse_if_running(settings: Settings) -> None:
    if not settings.is_sqlite:
        _refuse_if_connected(settings)
        return
    if pid := holder(settings):
        raise StackRunning(f"the stack is running (`make run`, pid {pid}): stop it (Ctrl-C) first; "
                           "a restore under running processes would be overwritten by them")
    address = ("127.0.0.1", settings.temporal_dev_port)
    with socket.socket() as probe:
        probe.settimeout(0.5)
        if probe.connect_ex(address) == 0:
            raise StackRunning(f"something answers on {address[0]}:{address[1]}, the Temporal dev server's port: "
                               "stop every process of the stack first")


def _refuse_if_connected(settings: Settings) -> None:
    """On PostgreSQL (compose) the stack's processes are elsewhere: any other session on the app's
    database or Temporal's is one that would write over the restore."""
    url = make_url(settings.database_url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False)) as db:
        count = db.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = ANY(%s) AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'", ([url.database, *TEMPORAL_DATABASES],)).fetchone()[0]
    if count:
        raise StackRunning(f"{count} other connection(s) to the databases: stop the API, the workers and Temporal "
                           "first (compose: make compose-restore does)")
