"""`make run`: the whole product on one machine.

Starts the Temporal dev server (unless TEMPORAL_ADDRESS is set) and a local mail sink (unless
SMTP_HOST is set), prepares the database, then the worker and the API. Logs go to var/log/. Ctrl-C (or SIGTERM) stops all of them; if one dies,
the others are stopped too, so a half-running stack never pretends to be up.
"""

import asyncio
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from config import ROOT, SECRET_KEY_FILE, Settings, get_settings
from engine.connection import bundled_binary, connect_temporal
from scripts.bootstrap import migrate, seed
from services.backups import archive as backups
from services.backups.stack_lock import StackRunning
from services.backups.stack_lock import held as stack_lock
from services.backups.targets import temporal_db_file

STARTUP_TIMEOUT_S = 60
BACKUP_RETRY_SECONDS = 3600  # a scheduled backup that failed (see var/log/backup.log) is tried again after


def start(name: str, args: list[str], env: dict[str, str], log_dir: Path) -> subprocess.Popen:
    log = open(log_dir / f"{name}.log", "ab")  # noqa: SIM115 - the child owns it until exit
    # A new process group: the terminal's Ctrl-C reaches us only, and we stop children in order.
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def mail_sink_args(settings: Settings) -> list[str]:
    """A local SMTP server that keeps every e-mail in var/mail (a Maildir): in development the
    notices' e-mails are readable there instead of failing against a server that is not there."""
    return [sys.executable, "-m", "aiosmtpd", "-n", "-u", "-l", f"{settings.smtp_host}:{settings.smtp_port}",
            "-c", "aiosmtpd.handlers.Mailbox", str(settings.var_dir / "mail")]


def ensure_secret_key(settings: Settings) -> None:
    """Without SECRET_KEY: a random key in var/secret_key, made once (readable by this user only)
    and kept, so tokens outlive a restart. The worker and the API read it there (config)."""
    if settings.secret_key:
        return
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL: never overwrite a key; created with mode 0600 (no moment readable by others).
    fd = os.open(settings.var_dir / SECRET_KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(key)
    settings.secret_key = key


def temporal_dev_server_args(settings: Settings) -> list[str]:
    host, port = settings.temporal_address.rsplit(":", 1)
    return [
        bundled_binary("temporal"), "server", "start-dev",
        "--ip", host, "--port", port,
        "--ui-ip", host, "--ui-port", str(settings.temporal_ui_port),
        "--db-filename", str(temporal_db_file(settings)),
        "--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal",
        "--namespace", settings.temporal_namespace,
        "--ui-disable-news-fetch", "--log-level", "warn",
    ]  # fmt: skip  (search attributes: the worker registers them at start, on new and old db files)


async def wait_until(what: str, ready) -> None:
    """Poll `ready()` until it returns without raising; give up after STARTUP_TIMEOUT_S."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while True:
        try:
            await ready()
            return
        except Exception as exc:  # noqa: BLE001 - still starting; give up only at the deadline
            if time.monotonic() > deadline:
                raise SystemExit(f"{what} did not come up in {STARTUP_TIMEOUT_S} s: {exc}") from exc
            await asyncio.sleep(0.5)


async def temporal_ready(settings: Settings) -> None:
    await connect_temporal(settings)


async def api_ready(settings: Settings) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"http://{settings.api_host}:{settings.api_port}/api/v1/health")
        response.raise_for_status()


def api_workers(database_url: str) -> int:
    """API processes: one per core on PostgreSQL; one on SQLite, whose single writer is best served
    by one process that queues its writers (db/sqlite.py). Measured: two processes on SQLite serve
    the rush a little faster, but under 64 writers for 30 s (benchmarks/bench_writers.py) about one
    request in 4,000 had its connection reset, and one process loses none."""
    return 1 if database_url.startswith("sqlite") else (os.cpu_count() or 1)


def api_args(*, app: str = "webapp:app", host: str, port: int, workers: int) -> list[str]:
    """The API server command (scripts/serve_api.py: uvicorn and its limits) with `workers`
    processes on one socket."""
    return [sys.executable, "-m", "scripts.serve_api", "--app", app, "--host", host, "--port", str(port),
            "--workers", str(workers)]


def backup_due(settings: Settings, now: float) -> bool:
    """BACKUP_EVERY_HOURS after the newest archive (at once when there is none)."""
    if not settings.backup_every_hours:
        return False
    newest = backups.newest_time(settings)
    return newest is None or now - newest.timestamp() > settings.backup_every_hours * 3600


def stop_all(processes: dict[str, subprocess.Popen]) -> None:
    for name, process in reversed(processes.items()):
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for name, process in reversed(processes.items()):
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            print(f"{name} did not stop in 15 s; killing it")
            process.kill()


def banner(settings: Settings, embedded_temporal: bool, mail_sink: bool) -> str:
    api = f"http://{settings.api_host}:{settings.api_port}"
    ui = f"http://{settings.temporal_address.rsplit(':', 1)[0]}:{settings.temporal_ui_port}"
    lines = [
        "",
        "教研流 Jiaoyan Flow is running",
        f"  API docs (OpenAPI)   {api}/docs",
        f"  Health               {api}/api/v1/health",
        f"  Temporal UI          {ui}" if embedded_temporal else f"  Temporal             {settings.temporal_address}",
        f"  Logs                 {settings.var_dir / 'log'}/",
        *([f"  Metrics              http://{settings.metrics_host}:{settings.api_metrics_port}/metrics (API), "
           f":{settings.worker_metrics_port}/metrics (worker)"] if settings.api_metrics_port else []),
        f"  Backups              {settings.backup_dir}/  (make backup; every {settings.backup_every_hours:g} h by itself)"
        if settings.backup_every_hours else f"  Backups              {settings.backup_dir}/  (make backup)",
        *([f"  E-mail (kept here)   {settings.var_dir / 'mail'}/  (set SMTP_HOST to send for real)"] if mail_sink else []),
    ]
    if settings.demo_data:
        lines += [
            f"  Demo logins (password {settings.demo_password}):",
            f"    admin {settings.admin_username} · staff staff01, staff02 · teachers t0001 … t0060",
        ]
    return "\n".join(lines + ["  Ctrl-C stops everything.", ""])


def main() -> int:
    # Everything the stack writes under var/ (both databases, logs, kept mail) is this user's only;
    # the processes it starts inherit the mask.
    os.umask(0o077)
    settings = get_settings()
    embedded_temporal = "TEMPORAL_ADDRESS" not in os.environ
    mail_sink = "SMTP_HOST" not in os.environ
    if embedded_temporal:
        settings.temporal_address = f"127.0.0.1:{settings.temporal_dev_port}"
    ensure_secret_key(settings)
    log_dir = settings.var_dir / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "TEMPORAL_ADDRESS": settings.temporal_address, "DATABASE_URL": settings.database_url}
    processes: dict[str, subprocess.Popen] = {}

    stopping = False

    def request_stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        with stack_lock(settings):  # a restore refuses while it is held (services/backups/stack_lock.py)
            return run(settings, processes, embedded_temporal=embedded_temporal, mail_sink=mail_sink, env=env,
                       log_dir=log_dir, stopping=lambda: stopping)
    except StackRunning as exc:
        print(f"{exc}: stop it first", flush=True)
        return 1
    finally:
        stop_all(processes)


def run(settings: Settings, processes: dict[str, subprocess.Popen], *, embedded_temporal: bool, mail_sink: bool,
        env: dict[str, str], log_dir: Path, stopping) -> int:
    if embedded_temporal:
        processes["temporal"] = start("temporal", temporal_dev_server_args(settings), env, log_dir)
    if mail_sink:
        processes["mail"] = start("mail", mail_sink_args(settings), env, log_dir)
    asyncio.run(wait_until(f"Temporal at {settings.temporal_address}", lambda: temporal_ready(settings)))
    migrate(settings.database_url)
    asyncio.run(seed(settings))
    processes["worker"] = start("worker", [sys.executable, "worker.py"], env, log_dir)
    workers = api_workers(settings.database_url)
    processes["api"] = start("api", api_args(host=settings.api_host, port=settings.api_port, workers=workers),
                             env, log_dir)
    asyncio.run(wait_until("The API", lambda: api_ready(settings)))
    print(banner(settings, embedded_temporal, mail_sink), flush=True)
    last_backup_try = -BACKUP_RETRY_SECONDS
    while not stopping():
        dead = [name for name, p in processes.items() if p.poll() is not None]
        if dead:
            print(f"{', '.join(dead)} exited; see {log_dir / dead[0]}.log. Stopping the rest.", flush=True)
            return 1
        if embedded_temporal and settings.is_sqlite and time.monotonic() - last_backup_try > BACKUP_RETRY_SECONDS \
                and backup_due(settings, time.time()):
            # Online, beside the running processes, in a process of its own (scripts/backup.py).
            last_backup_try = time.monotonic()
            start("backup", [sys.executable, "-m", "scripts.backup", "--label", "scheduled"], env, log_dir)
        time.sleep(0.5)
    print("stopping…", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
