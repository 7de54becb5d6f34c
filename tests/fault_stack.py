"""Real processes for the fault tests, all on loopback: the product's worker (`worker.py`) as a
subprocess that can be SIGKILLed and started again, a Temporal dev server on a SQLite file that
can be killed and restarted, and a TCP proxy in front of a database that can be cut."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

from temporalio.client import Client
from temporalio.common import SearchAttributeIndexedValueType
from temporalio.service import RetryConfig, RPCError

from config import ROOT, Settings
from contracts.search_attributes import ALL as SEARCH_ATTRIBUTES
from engine.connection import bundled_binary
from tests.notification_receivers import free_port

LOGS = ROOT / "test-artifacts" / "faults"
_CLI_TYPES = {SearchAttributeIndexedValueType.KEYWORD: "Keyword", SearchAttributeIndexedValueType.KEYWORD_LIST: "KeywordList"}


async def wait_for(check, *, timeout: float, what: str, every: float = 0.1):
    """Poll `check()` (sync or async) until truthy; its value."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f}s: {what}")
        await asyncio.sleep(every)


class Process:
    """A subprocess whose output goes to a log file (a fan-out can log a lot: not the terminal)."""

    def __init__(self, name: str, command: list[str], env: dict[str, str] | None = None, *,
                 log_dir: Path = LOGS) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log = log_dir / f"{name}.log"
        self.command, self.env = command, env
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0
        self._since = 0  # where this start's output begins in the log (earlier runs append to it too)

    def start(self) -> "Process":
        with self.log.open("a") as log:
            log.write(f"\n==== start {time.strftime('%H:%M:%S')} ====\n")
            log.flush()
            self._since = log.tell()
            # Its own process group, so a kill takes its children too (the API on PostgreSQL runs
            # one uvicorn process per core: killing the parent alone left them serving).
            self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                            process_group=0)
        self.started_at = time.monotonic()
        return self

    def logged(self, text: str) -> bool:
        with self.log.open("rb") as log:
            log.seek(self._since)
            return text.encode() in log.read()

    def kill(self) -> None:
        """SIGKILL to the process and its children: no shutdown, no cleanup, as a lost machine."""
        if self.process and self.process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def worker_process(name: str, settings: Settings, *, temporal_address: str, database_url: str | None = None,
                   log_dir: Path = LOGS, **overrides: object) -> Process:
    """`python worker.py` with the test's settings (as environment variables) and `overrides`."""
    values = {
        "environment": "test", "notification_channels": "true", "database_url": database_url or settings.database_url,
        "temporal_address": temporal_address, "temporal_task_queue": settings.temporal_task_queue,
        "smtp_port": settings.smtp_port, "public_base_url": settings.public_base_url,
        "quiet_hours_start": "00:00", "quiet_hours_end": "00:00",  # whatever the hour the suite runs at
        "robot_rate_per_minute": 100_000, "delivery_retry_base_seconds": 0.05,
        "channel_private_hosts": "127.0.0.1",  # the robots' receivers (tests/notification_receivers.py)
        **overrides,
    }
    env = {**os.environ, **{key.upper(): str(value) for key, value in values.items()}}
    return Process(name, [sys.executable, "worker.py"], env, log_dir=log_dir)


async def worker_ready(worker: Process) -> None:
    await wait_for(lambda: worker.logged("polling task queue"), timeout=60, what=f"{worker.log} ready")


class DevServer(Process):
    """`temporal server start-dev` on a SQLite file: a SIGKILL and a start again keep its runs."""

    def __init__(self, name: str, db_file: Path, *, log_dir: Path = LOGS) -> None:
        self.port = free_port()
        super().__init__(name, [
            bundled_binary("temporal"), "server", "start-dev", "--ip", "127.0.0.1", "--port", str(self.port),
            "--headless", "--db-filename", str(db_file), "--sqlite-pragma", "journal_mode=wal",
            "--sqlite-pragma", "synchronous=normal", "--log-level", "warn",
            # Given at start (on a new file): added later, the server takes a while to accept them.
            *(arg for key in SEARCH_ATTRIBUTES for arg in ("--search-attribute", f"{key.name}={_CLI_TYPES[key.indexed_value_type]}")),
        ], log_dir=log_dir)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def ready(self) -> None:
        """The frontend answers a health check: the port opens a moment before it does, and a client
        connecting in that moment fails ("Frontend is not healthy yet")."""
        async def healthy() -> bool:
            with suppress(RuntimeError, RPCError):
                client = await Client.connect(self.address, retry_config=RetryConfig(max_elapsed_time_millis=500))
                return await client.service_client.check_health()
            return False

        await wait_for(healthy, timeout=60, what="the Temporal dev server", every=0.2)


class TcpProxy:
    """Forwards a loopback port to `target`; `cut()` drops every connection and refuses new ones
    (the database is gone), `restore()` listens again."""

    def __init__(self, target_port: int) -> None:
        self.port, self.target_port = free_port(), target_port
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()

    async def restore(self) -> None:
        self._server = await asyncio.start_server(self._connect, "127.0.0.1", self.port)

    async def cut(self) -> None:
        self._server.close()
        await self._server.wait_closed()
        for writer in list(self._open):
            writer.transport.abort()
        self._open.clear()

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self._open.update({writer, upstream_writer})
        await asyncio.gather(self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with suppress(OSError, ConnectionError, asyncio.IncompleteReadError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.transport.abort()
        self._open.discard(writer)
