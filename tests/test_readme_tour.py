"""README's tours run as written, against `make run` (scripts/run_stack.py) on free ports: every
```sh block from "Five-minute tour" to "Architecture", in order, in one bash session with curl and jq,
only the API's address changed to the test's port. Then, with the stack still up, the backup commands
as an operator runs them, and each process's /metrics: a backup online, a restore refused (the stack runs), a verify of that backup;
and the backup `make run` takes by itself when it has none.

Each block must get an HTTP answer for every curl (never `Invalid HTTP request received.`: curl sends
a URL's Chinese unencoded unless told to encode it), and the answers README describes."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from config import ROOT
from tests.test_run_stack import _free_port, _start_stack, _wait_for_banner

pytestmark = pytest.mark.heavy

README = ROOT / "README.md"


def tour_blocks() -> list[str]:
    text = README.read_text()
    tours = text[text.index("## Five-minute tour"):text.index("## Architecture")]
    return re.findall(r"```(?:sh|bash)\n(.*?)```", tours, flags=re.S)


def run_tour(blocks: list[str], api: str, workdir: Path) -> list[str]:
    """Each block's output, from one bash session (variables carry over, as in a terminal)."""
    markers = [f"=== block {n} done ===" for n in range(len(blocks))]
    script = "set -eu -o pipefail\n" + "".join(
        f"{block.replace('http://127.0.0.1:8000', api)}\necho\necho '{marker}'\n" for block, marker in zip(blocks, markers))
    done = subprocess.run(["bash", "-c", script], cwd=workdir, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"the tour stopped: {done.stderr}\n{done.stdout[-2000:]}"
    outputs, rest = [], done.stdout
    for marker in markers:
        output, rest = rest.split(marker, 1)
        outputs.append(output)
    return outputs


def answers(output: str) -> list:
    """The JSON answers in a block's output, in order (curl -s ends none with a newline)."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while (at := _next_json(output, at)) is not None:
        try:
            value, at = decoder.raw_decode(output, at)
            found.append(value)
        except ValueError:
            at += 1
    return found


def _next_json(text: str, start: int) -> int | None:
    positions = [p for p in (text.find("{", start), text.find("[", start)) if p >= 0]
    return min(positions) if positions else None


def backup_command(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scripts.backup", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_the_readme_tours_run_as_written_and_backups_run_beside_the_stack(tmp_path):
    if not (shutil.which("curl") and shutil.which("jq")):
        pytest.skip("curl and jq are what README's tours use")
    env = {k: v for k, v in os.environ.items() if k not in ("TEMPORAL_ADDRESS", "DATABASE_URL", "SMTP_HOST", "SECRET_KEY")}
    api_port = _free_port()
    env |= {"VAR_DIR": str(tmp_path / "var"), "TEMPORAL_DEV_PORT": str(_free_port()),
            "TEMPORAL_UI_PORT": str(_free_port()), "API_PORT": str(api_port), "SMTP_PORT": str(_free_port()),
            "API_METRICS_PORT": str(_free_port()), "WORKER_METRICS_PORT": str(_free_port())}
    workdir = tmp_path / "tour"
    workdir.mkdir()
    stack = _start_stack(env)
    try:
        _wait_for_banner(stack)
        outputs = run_tour(tour_blocks(), f"http://127.0.0.1:{api_port}", workdir)
        taken = backup_command(env)
        archive = Path(taken.stdout.split()[1]) if taken.returncode == 0 else None
        refused = backup_command(env, "restore", str(archive))
        verified = backup_command(env, "verify", str(archive))
        api_metrics = httpx.get(f"http://127.0.0.1:{env['API_METRICS_PORT']}/metrics").text
        worker_metrics = httpx.get(f"http://127.0.0.1:{env['WORKER_METRICS_PORT']}/metrics").text
    finally:
        stack.send_signal(signal.SIGINT)
        stack.wait(timeout=30)

    assert not any("Invalid HTTP request" in output for output in outputs)
    first, sheet, launch, teachers_act, proposals, series = (answers(output) for output in outputs[:6])
    programmes, notices = [answers(output) for output in outputs[6:-1]], answers(outputs[-1])
    assert all(programmes)  # mentor pairs, the library, the evaluation, tours, exchanges: each answers
    assert next(  # the tours' sheet as README writes it: one tour made
        a for a in programmes[3] if isinstance(a, dict) and "created" in a)["created"] == 1
    me, clusters, teachers, imported = first
    assert me["role"] == "staff" and clusters["total"] == 3
    assert 0 < len(teachers["items"]) <= 5 and all("数学" in t["subjects"] for t in teachers["items"])
    assert imported == {"created": 1, "updated": 0, "unchanged": 0, "logins_created": 1, "deactivated": []}
    assert (workdir / "开通单.xlsx").read_bytes()[:2] == b"PK"  # an .xlsx (a zip)
    assert launch[0]["id"] == 1 and launch[0]["phase"] == "collect_topics"
    problem, vote, campaign = teachers_act
    assert problem["title"].startswith("学生写作文") and campaign["phase"] == "collect_topics"
    assert all(answer.get("phase") == "collect_topics" for answer in proposals[1:])  # 409 until collection closes
    assert series[0]["id"] == 1 and series[1]["title"] == "周周有约"
    assert notices[0]["unread_count"] >= 1  # t0001's notices: the campaign's opening, the series' first

    # Each process's /metrics: the API's requests (summed over its processes), the worker's SDK series.
    assert re.search(r'http_requests_total\{handler="/api/v1/teachers",method="GET",status="2xx"\} [1-9]', api_metrics)
    assert "temporal_worker_task_slots_available" in worker_metrics and "jiaoyan_runs_stalled" in worker_metrics

    assert taken.returncode == 0, taken.stderr
    assert list((tmp_path / "var" / "backups").glob("*-scheduled.tar.gz"))  # make run's own, at its start
    assert refused.returncode == 1 and "the stack is running" in refused.stderr
    assert verified.returncode == 0 and "runs:" in verified.stdout and "running" in verified.stdout, verified.stdout
