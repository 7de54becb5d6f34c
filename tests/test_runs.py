"""Run inspection on the real dev server: visibility lists, describe, the timeline across
continue-as-new, raw events, cancel with a reason."""

import asyncio
import subprocess
import uuid

from temporalio.worker import Worker

from contracts import workflow_ids
from engine.connection import bundled_binary
from tests.run_workflows import PhasedWorkflow, start_attributes


async def _until(check, attempts: int = 100):
    """Visibility is eventually consistent: poll (bounded by attempts, never by wall time asserts)."""
    for _ in range(attempts):
        result = await check()
        if result:
            return result
        await asyncio.sleep(0.1)
    raise AssertionError("condition never held")


async def _start_in_train_phase(local_env, settings, cluster_id: str, started_by: str = "staff01") -> str:
    workflow_id = f"campaign-test-{uuid.uuid4()}"
    handle = await local_env.client.start_workflow(
        PhasedWorkflow.run, 0, id=workflow_id, task_queue=settings.temporal_task_queue,
        search_attributes=start_attributes(cluster_id=cluster_id, started_by=started_by),
    )
    await _until(lambda: _phase_is(local_env, handle.id, "train"))
    return workflow_id


async def _phase_is(local_env, workflow_id, phase):
    from contracts.search_attributes import PHASE

    description = await local_env.client.get_workflow_handle(workflow_id).describe()
    return description.typed_search_attributes.get(PHASE) == phase


async def test_same_run_found_by_cluster_and_phase_in_api_and_cli(local_env, local_api, login, settings):
    cluster_id = str(uuid.uuid4().int % 10**9 + 1)  # cluster ids are numbers; unique per run of the test
    async with Worker(local_env.client, task_queue=settings.temporal_task_queue, workflows=[PhasedWorkflow]):
        workflow_id = await _start_in_train_phase(local_env, settings, cluster_id)
        admin = await login("admin")

        async def listed():
            page = (await local_api.get("/api/v1/runs", params={"cluster_id": cluster_id, "phase": "train"},
                                        headers=admin)).json()
            return page if page["total"] == 1 else None

        page = await _until(listed)
        assert page["items"][0]["workflow_id"] == workflow_id and page["items"][0]["subject"] == "数学"

        target = local_env.client.service_client.config.target_host
        cli = subprocess.run(
            [bundled_binary("temporal"), "workflow", "list", "--address", target, "--output", "json",
             "--query", f"ClusterIds = '{cluster_id}' AND Phase = 'train'"],
            capture_output=True, text=True, check=True,
        )
        assert workflow_id in cli.stdout

        other_staff = (await local_api.get("/api/v1/runs", params={"cluster_id": cluster_id, "phase": "train"},
                                           headers=await login("staff02"))).json()
        assert [run["workflow_id"] for run in other_staff["items"]] == [workflow_id]  # staff read every run
        detail = await local_api.get(f"/api/v1/runs/{workflow_id}", headers=await login("staff02"))
        assert detail.status_code == 200
        teacher = await local_api.get("/api/v1/runs", headers=await login("t0001"))
        assert teacher.status_code == 403
        await local_env.client.get_workflow_handle(workflow_id).terminate("test over")


async def test_timeline_spans_continue_as_new_and_shows_cancel_reason(local_env, local_api, login, settings):
    async with Worker(local_env.client, task_queue=settings.temporal_task_queue, workflows=[PhasedWorkflow]):
        workflow_id = await _start_in_train_phase(local_env, settings, "c1")
        admin = await login("admin")

        detail = (await local_api.get(f"/api/v1/runs/{workflow_id}", headers=admin)).json()
        assert detail["runs_in_chain"] == 2 and detail["phase"] == "train" and detail["status"] == "RUNNING"
        assert detail["next_timer_at"] is not None  # the 14-day phase deadline

        cancelled = await local_api.post(f"/api/v1/runs/{workflow_id}/cancel", json={"reason": "重复创建"},
                                         headers=admin)
        assert cancelled.status_code == 202
        await _until(lambda: _closed(local_env, workflow_id))

        entries = (await local_api.get(f"/api/v1/runs/{workflow_id}/timeline", headers=admin)).json()
        texts = [e["text"] for e in entries]
        assert [e["at"] for e in entries] == sorted(e["at"] for e in entries)
        run_ids = [e["run_id"] for e in entries if e["source"] == "temporal"]
        assert len(set(run_ids)) == 2 and run_ids == sorted(run_ids, key=run_ids.index)  # runs in order
        expected_in_order = ["流程启动：PhasedWorkflow", "本轮结束，接续为新一轮运行 (continue-as-new)",
                             "接续上一轮运行 (continued as new)", "进入阶段：培训学习", "请求取消运行：重复创建"]
        positions = [texts.index(text) for text in expected_in_order]
        assert positions == sorted(positions)
        audit = [e for e in entries if e["source"] == "audit"]
        assert audit[0]["actor"] == "管理员" and audit[0]["details"]["body"] == {"reason": "重复创建"}

        events = (await local_api.get(f"/api/v1/runs/{workflow_id}/events", params={"limit": 3},
                                      headers=admin)).json()
        assert events["total"] > 6 and events["items"][0]["event_type"] == "WORKFLOW_EXECUTION_STARTED"

        again = await local_api.post(f"/api/v1/runs/{workflow_id}/cancel", json={"reason": "x"}, headers=admin)
        assert again.status_code == 409


async def test_timeline_is_read_a_page_at_a_time(local_env, local_api, login, settings):
    async with Worker(local_env.client, task_queue=settings.temporal_task_queue, workflows=[PhasedWorkflow]):
        workflow_id = await _start_in_train_phase(local_env, settings, "c1")
        admin = await login("admin")
        await local_api.post(f"/api/v1/runs/{workflow_id}/cancel", json={"reason": "重复创建"}, headers=admin)
        url = f"/api/v1/runs/{workflow_id}/timeline"
        whole = (await local_api.get(url, params={"limit": 200}, headers=admin)).json()
        pages = [(await local_api.get(url, params={"offset": offset, "limit": 3}, headers=admin)).json()
                 for offset in range(0, len(whole), 3)]
        assert len(whole) > 6 and {e["source"] for e in whole} >= {"temporal", "audit"}
        assert [entry for page in pages for entry in page] == whole
        assert all(len(page) == 3 for page in pages[:-1])


async def _closed(local_env, workflow_id):
    return (await local_env.client.get_workflow_handle(workflow_id).describe()).close_time is not None


async def test_unknown_run_is_404_and_staff_cannot_cancel(local_api, login):
    assert (await local_api.get("/api/v1/runs/campaign-nope", headers=await login("admin"))).status_code == 404
    response = await local_api.post("/api/v1/runs/campaign-nope/cancel", json={"reason": "x"},
                                    headers=await login("staff01"))
    assert response.status_code == 403


def test_a_workflow_id_is_read_back_only_as_what_it_was_made_for():
    """The timeline finds a run's records by the campaign or series its id names (contracts/workflow_ids.py)."""
    assert workflow_ids.campaign_id_of(workflow_ids.campaign(7)) == 7
    assert workflow_ids.series_id_of(workflow_ids.series(12)) == 12
    for other in (workflow_ids.series(7), workflow_ids.notice_delivery("campaign-7-opened"), "campaign-nope",
                  "campaign-", "caller-campaign-7"):
        assert workflow_ids.campaign_id_of(other) is None, other
    assert workflow_ids.series_id_of(workflow_ids.campaign(12)) is None
