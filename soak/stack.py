"""The real processes of a soak, all on loopback ports the OS picks: the Temporal dev server on a
SQLite file (killed and restarted on the same file), the product's worker (`worker.py`, SIGKILLed
and started again), the API as `make run` serves it (scripts/serve_api.py, as many processes as
`make run` starts), an SMTP sink and an HTTP receiver that records every robot and webhook request
with its delivery id, and the database: SQLite in the run's directory, or a throwaway PostgreSQL
behind a proxy that can cut it (tests/postgres.py, tests/fault_stack.py)."""

import asyncio
import os
import secrets
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
import uuid
from contextlib import AsyncExitStack, suppress
from pathlib import Path

import httpx
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from config import ROOT, Settings
from db import create_engine, create_session_factory
from scripts.run_stack import api_args, api_workers
from soak import release
from soak.county import grow
from soak.profile import Profile
from tests.demo_database import demo_county_database
from tests.fault_stack import DevServer, Process, TcpProxy, wait_for, worker_process, worker_ready
from tests.notification_receivers import add_robots, free_port, http_receiver, mailbox_server
from tests.postgres import throwaway_postgres

# A record left without its run is found within 10 s. The delivery lease (the heartbeat timeout
# too) stays production's 20 s: at 10 s, on this 2-core machine under load, a worker busy replaying
# forty delivery runs missed its drains' heartbeats and Temporal cancelled them over and over.
WORKER_SETTINGS = {"delivery_round_retry_seconds": 1, "reconcile_seconds": 10}


class Stack:
    def __init__(self, profile: Profile, *, db: str, work: Path) -> None:
        self.profile, self.db, self.work = profile, db, work
        self.logs = work / "logs"
        self.started = time.monotonic()
        self.started_at = datetime.now(timezone.utc)  # the same instant on the wall clock
        self._exit = AsyncExitStack()
        self.proxy: TcpProxy | None = None
        self.workers: list[Process] = []
        self.worker_code = ROOT  # which release's code the next worker runs (soak/faults.py: release)
        self.worker_count = 0
        # Operator settings the programmes' timelines need (Programme.settings): the API and the worker alike.
        self.operator_settings: dict[str, object] = {}

    def now(self) -> float:
        """Seconds since the stack started: the soak's clock for logs, faults and charts."""
        return time.monotonic() - self.started

    def wall(self, at: float) -> datetime:
        """The wall-clock time (UTC) of a moment on the soak's clock: to set it beside the database's."""
        return self.started_at + timedelta(seconds=at)

    # ---- start and stop ----

    async def start(self) -> None:
        """Everything up on fresh databases; if a part fails to come up, what did is stopped."""
        shutil.rmtree(self.work, ignore_errors=True)  # a seed's run starts from nothing
        self.work.mkdir(parents=True)
        self.temporal = DevServer("temporal", self.work / "temporal.db", log_dir=self.logs).start()
        try:
            await self._start_the_rest()
        except BaseException:
            await self.stop()
            raise

    async def _start_the_rest(self) -> None:
        url = await self._database_url()
        self.database_url = url
        async with demo_county_database(url) as sessions:
            async with sessions() as session:
                await grow(session, clusters=self.profile.extra_clusters, teachers=self.profile.extra_teachers)
        self.engine = create_engine(url)
        self.sessions = create_session_factory(self.engine)
        smtp_port, self.mail = self._exit.enter_context(mailbox_server())
        self.receiver = await self._exit.enter_async_context(http_receiver())
        await add_robots(self.sessions, self.receiver)
        self.settings = Settings(_env_file=None, environment="test", database_url=url, secret_key=secrets.token_hex(32),
                                 temporal_task_queue=f"soak-{uuid.uuid4().hex[:8]}", smtp_port=smtp_port,
                                 var_dir=self.work / "var", public_base_url="http://127.0.0.1:8000")
        await self.temporal.ready()
        if "release" in self.profile.faults:  # the term starts on the earlier release's worker
            self.worker_code = release.checkout(self.work.parent)
        self.client = await Client.connect(self.temporal.address, data_converter=pydantic_data_converter)
        await self.start_worker()
        self.api_port = free_port()
        self.api = Process("api", api_args(host="127.0.0.1", port=self.api_port, workers=api_workers(url)),
                           self._api_env(), log_dir=self.logs).start()
        await self.api_ready()

    async def stop(self) -> None:
        for process in [getattr(self, "api", None), *self.workers, self.temporal]:
            if process is not None:
                process.stop()
        if hasattr(self, "engine"):
            await self.engine.dispose()
        await self._exit.aclose()

    async def _database_url(self) -> str:
        if self.db == "sqlite":
            return f"sqlite+aiosqlite:///{self.work / 'jiaoyan.db'}"
        url = self._exit.enter_context(throwaway_postgres())
        host, port = url.rsplit("@", 1)[1].split("/")[0].split(":")
        self.proxy = TcpProxy(int(port))  # the API and the worker reach PostgreSQL through it
        await self.proxy.restore()
        return url.replace(f":{port}/", f":{self.proxy.port}/")

    def _api_env(self) -> dict[str, str]:
        s = self.settings
        return {**os.environ, "DATABASE_URL": s.database_url, "ENVIRONMENT": "test", "SECRET_KEY": s.secret_key,
                "TEMPORAL_ADDRESS": self.temporal.address, "TEMPORAL_TASK_QUEUE": s.temporal_task_queue,
                "VAR_DIR": str(s.var_dir), **{k.upper(): str(v) for k, v in self.operator_settings.items()}}

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    async def api_ready(self) -> None:
        async def answers() -> bool:
            with suppress(httpx.TransportError):
                async with httpx.AsyncClient(timeout=2) as client:
                    return (await client.get(f"{self.api_url}/api/v1/health")).status_code < 500
            return False

        await wait_for(answers, timeout=90, what="the API", every=0.3)

    # ---- what faults do to it ----

    async def start_worker(self) -> Process:
        self.worker_count += 1
        settings = {**WORKER_SETTINGS, **self.profile.worker_settings, **self.operator_settings,
                    "secret_key": self.settings.secret_key, "var_dir": self.settings.var_dir}
        worker = worker_process(f"worker-{self.worker_count}", self.settings, temporal_address=self.temporal.address,
                                log_dir=self.logs, **settings)
        if self.worker_code != ROOT:  # an earlier release, exported beside the run (soak/release.py)
            worker.command = [sys.executable, str(self.worker_code / "worker.py")]
        worker.start()
        self.workers.append(worker)
        await worker_ready(worker)
        return worker

    def kill_workers(self) -> None:
        for worker in self.workers:
            worker.kill()

    async def restart_temporal(self, down_seconds: float) -> None:
        self.temporal.kill()
        await asyncio.sleep(down_seconds)
        self.temporal.start()
        await self.temporal.ready()

    async def restart_api(self) -> None:
        self.api.kill()
        self.api.start()
        await self.api_ready()

    async def database_window(self, seconds: float) -> None:
        """The database refuses for `seconds`: PostgreSQL's connections cut at the proxy, or SQLite's
        file locked by another process (an exclusive transaction held open)."""
        if self.proxy is not None:
            await self.proxy.cut()
            await asyncio.sleep(seconds)
            await self.proxy.restore()
            return
        path = self.database_url.split(":///", 1)[1]
        holder = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, path, str(seconds)], cwd=ROOT)
        await asyncio.to_thread(holder.wait)


_HOLD_LOCK = """import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
time.sleep(float(sys.argv[2]))
db.execute("ROLLBACK")
"""
