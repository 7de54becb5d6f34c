"""An exchange's run in the runs list, on the dev server (visibility): found by its kind, and shown
stalled while its step keeps failing, as every run is (activities/stall_watch.py)."""

import asyncio
from datetime import date, timedelta

from tests.activity_faults import faulty_activities
from tests.exchanges_support import exchange_workflow_ids
from worker import create_worker


async def test_a_failing_exchange_step_shows_stalled_in_the_runs_list(local_api, local_env, settings, session_factory):
    staff = {"Authorization": "Bearer " + (await local_api.post("/api/v1/auth/token", data={
        "username": "staff01", "password": "demo-pass"})).json()["access_token"]}
    quick = settings.model_copy(update={"stall_after_attempts": 2})
    activities = faulty_activities(quick, session_factory, failing={"advance_exchange": lambda: True})
    try:
        async with create_worker(local_env.client, settings=quick, session_factory=session_factory,
                                 activities=activities):
            teacher = (await local_api.get("/api/v1/teachers?q=t0002", headers=staff)).json()["items"][0]
            start = date.today() + timedelta(days=40)
            created = await local_api.post("/api/v1/exchanges", headers=staff, json={
                "teacher_id": teacher["id"], "host_school_id": 2, "kind": "跟岗", "planned_start": start.isoformat(),
                "planned_end": (start + timedelta(days=10)).isoformat()})
            assert created.status_code == 201, created.text
            workflow_id = created.json()["workflow_id"]
            for _ in range(100):
                runs = (await local_api.get("/api/v1/runs?kind=exchange", headers=staff)).json()["items"]
                mine = [run for run in runs if run["workflow_id"] == workflow_id]
                if mine and mine[0]["stalled"]:
                    break
                await asyncio.sleep(0.2)
            assert mine and mine[0]["kind"] == "exchange" and mine[0]["status"] == "RUNNING", runs
            assert mine[0]["stalled"]["activity_type"] == "advance_exchange"
            assert "unreachable" in mine[0]["stalled"]["last_error"]
    finally:
        for workflow_id in await exchange_workflow_ids(session_factory):
            try:
                await local_env.client.get_workflow_handle(workflow_id).terminate("test over")
            except Exception:  # noqa: BLE001 - already finished is fine
                pass
