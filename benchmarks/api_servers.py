"""API processes for a benchmark, started the way `make run` starts them (scripts/run_stack.py),
on a free loopback port, with their output in a log file."""

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from config import ROOT
from scripts.run_stack import api_args

READY_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_answering(base_url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        try:
            httpx.get(f"{base_url}/openapi.json", timeout=5)
            return
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"API at {base_url} did not start") from None
            time.sleep(0.2)


@contextmanager
def serving(app: str, *, env: dict[str, str], workers: int, log: Path) -> Iterator[str]:
    """Serve `app` ("module:attribute") with `workers` processes; yields its base URL."""
    port = free_port()
    with open(log, "ab") as output:
        process = subprocess.Popen(api_args(app=app, host="127.0.0.1", port=port, workers=workers), cwd=ROOT,
                                   env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_answering(base_url, process)
        yield base_url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
