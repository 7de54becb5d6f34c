"""The worker's /metrics and /health/ready against real processes on loopback: a Temporal dev server
and the product's worker (`worker.py`) on ports the OS picked, the API in-process (the API's own
/metrics, served by scripts/serve_api.py, is scraped in tests/test_readme_tour.py under `make run`).

1. The worker's /metrics answers with the named series: the SDK's (task slots, schedule-to-start
   latency) and the product's gauges.
2. An activity that keeps failing shows in the SDK's failure counter and in the stalled-runs gauge
   within a scrape or two (METRICS_REFRESH_SECONDS is half a second here).
3. /health/ready answers 503 naming the worker once it is stopped, and 200 again once it is back."""

import re
from datetime import datetime, timezone

import httpx
import pytest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from contracts.series.history import Cursor, SeriesRunInput
from tests.conftest import api_client
from tests.fault_stack import DevServer, wait_for, worker_process, worker_ready
from tests.notification_receivers import free_port
from workflows.series import SeriesWorkflow

FAST = {"metrics_refresh_seconds": 0.5, "worker_heartbeat_seconds": 0.5, "stall_after_attempts": 2}


def metric(text: str, name: str, **labels: str) -> float | None:
    """The value of the first sample of `name` whose labels include `labels`."""
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}(?:\{{(.*)\}})? (\S+)", line)
        if match and all(f'{key}="{value}"' in (match.group(1) or "") for key, value in labels.items()):
            return float(match.group(2))
    return None


@pytest.fixture
async def stack(settings, session_factory, demo, tmp_path):
    server = DevServer("metrics-temporal", tmp_path / "temporal.db").start()
    port = free_port()
    worker = worker_process("metrics-worker", settings, temporal_address=server.address, worker_metrics_port=port,
                            **FAST)
    try:
        await server.ready()
        worker.start()
        await worker_ready(worker)
        client = await Client.connect(server.address, data_converter=pydantic_data_converter)
        async with api_client(settings.model_copy(update=FAST), client) as api:
            yield client, worker, f"http://127.0.0.1:{port}/metrics", api
    finally:
        worker.stop()
        server.stop()


async def test_metrics_show_a_failing_activity_and_ready_follows_the_worker(settings, stack):
    client, worker, worker_metrics, api = stack
    async with httpx.AsyncClient() as http:
        async def ready_is(status: int) -> bool:
            return (await api.get("/api/v1/health/ready")).status_code == status

        await wait_for(lambda: ready_is(200), timeout=60, what="/health/ready 200 with the worker up", every=0.2)

        # A series run whose series does not exist: its first activity fails, and is retried, every time.
        await client.start_workflow(SeriesWorkflow.run, SeriesRunInput(
            series_id=999, cursor=Cursor(due_at=datetime.now(timezone.utc))), id="series-999",
            task_queue=settings.temporal_task_queue)

        async def stalled() -> str | None:
            text = (await http.get(worker_metrics)).text
            failed = metric(text, "temporal_activity_execution_failed_total", activity_type="advance_series")
            return text if failed and metric(text, "jiaoyan_runs_stalled") == 1 else None

        scraped = await wait_for(stalled, timeout=60, what="the failure and the stalled run in /metrics", every=0.5)
        await client.get_workflow_handle("series-999").terminate("test over")

        worker.stop()  # a stopped worker removes its heartbeat: not ready at once
        down = await api.get("/api/v1/health/ready")
        worker.start()
        await wait_for(lambda: ready_is(200), timeout=60, what="/health/ready 200 once the worker is back", every=0.2)

    for series in ("temporal_worker_task_slots_available", "temporal_workflow_task_schedule_to_start_latency_bucket",
                   "jiaoyan_backup_age_seconds"):
        assert metric(scraped, series) is not None, series
    assert down.status_code == 503 and down.json()["worker"] == "down: no worker"
    assert down.json()["database"] == down.json()["temporal"] == "ok"
