"""`make run` end to end: the real dev server, worker and API as processes, on free ports."""

import os
import signal
import socket
import stat
import subprocess
import sys

import httpx
import pytest

from config import ROOT

pytestmark = pytest.mark.heavy


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_stack(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "scripts.run_stack"], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _wait_for_banner(stack: subprocess.Popen) -> str:
    output = []
    for line in stack.stdout:  # the banner is printed only once /health answers ok
        output.append(line)
        if "Ctrl-C stops everything" in line:
            return "".join(output)
    raise AssertionError("the stack exited before it was up:\n" + "".join(output))


def test_make_run_starts_three_processes_and_stops_them_cleanly(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("TEMPORAL_ADDRESS", "DATABASE_URL", "SMTP_HOST", "SECRET_KEY")}
    api_port = _free_port()
    env |= {"VAR_DIR": str(tmp_path), "TEMPORAL_DEV_PORT": str(_free_port()),
            "TEMPORAL_UI_PORT": str(_free_port()), "API_PORT": str(api_port), "SMTP_PORT": str(_free_port()),
            "API_METRICS_PORT": str(_free_port()), "WORKER_METRICS_PORT": str(_free_port()), "BACKUP_EVERY_HOURS": "0"}
    base = f"http://127.0.0.1:{api_port}/api/v1"
    first_token = None
    for start in ("fresh", "restart"):
        stack = _start_stack(env)
        try:
            banner = _wait_for_banner(stack)
            assert "t0001" in banner and "/docs" in banner
            assert httpx.get(f"{base}/health").json() == {"status": "ok", "temporal": "ok", "database": "ok"}
            token = httpx.post(f"{base}/auth/token", data={"username": "staff01", "password": "demo-pass"}).json()
            teachers = httpx.get(f"{base}/teachers", headers={"Authorization": f"Bearer {token['access_token']}"})
            assert teachers.json()["total"] == 60, start  # the demo county is loaded once, kept on restart
            # Without SECRET_KEY, a key generated into var/ once: a token outlives the restart.
            first_token = first_token or token["access_token"]
            me = httpx.get(f"{base}/me", headers={"Authorization": f"Bearer {first_token}"})
            assert me.status_code == 200, start
            assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
        finally:
            stack.send_signal(signal.SIGINT)
            assert stack.wait(timeout=30) == 0
        assert (tmp_path / "temporal.db").exists() and (tmp_path / "log" / "worker.log").exists()
        assert (tmp_path / "mail").is_dir()  # the development mail sink's Maildir
    for port in (api_port, int(env["TEMPORAL_DEV_PORT"]), int(env["SMTP_PORT"])):
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still served after Ctrl-C"
