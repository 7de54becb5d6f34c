"""The patch registry (workflows/patches.py) is the only source of patch ids, and the runs route
says which patches can go, counting on the real dev server's visibility."""

import ast
import asyncio
import base64
import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from config import ROOT
from tests.conftest import DEMO_PASSWORD
from worker import WORKFLOWS
from workflows import patches
from workflows.patches import Patch

HISTORIES = Path(__file__).parent / "histories"


def _patch_calls() -> list[tuple[str, ast.expr]]:
    """(where, its argument) of every `workflow.patched(...)` / `workflow.deprecate_patch(...)` in workflows/."""
    calls = []
    for path in sorted((ROOT / "workflows").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in {"patched", "deprecate_patch"}
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "workflow"):
                calls.append((f"{path.relative_to(ROOT)}:{node.lineno}", node.args[0]))
    return calls


def _registry_entry(argument: ast.expr) -> Patch | None:
    """The entry a call names as `patches.NAME.id`; None for anything else (a bare string, say)."""
    match argument:
        case ast.Attribute(attr="id", value=ast.Attribute(value=ast.Name(id="patches"), attr=name)):
            entry = getattr(patches, name, None)
            return entry if entry in patches.ALL else None
    return None


def test_every_patched_call_names_a_registry_entry_and_every_entry_is_used():
    calls = _patch_calls()
    unregistered = [where for where, argument in calls if _registry_entry(argument) is None]
    assert unregistered == [], "name the patch as patches.<ENTRY>.id, with an entry in workflows/patches.py"
    used = {_registry_entry(argument).id for _, argument in calls}
    assert sorted(used) == sorted(patch.id for patch in patches.ALL), "a registry entry no workflow uses"


def test_every_entry_names_real_workflows_and_ids_are_unique():
    ids = [patch.id for patch in patches.ALL]
    assert len(ids) == len(set(ids))
    workflow_types = {workflow.__name__ for workflow in WORKFLOWS}
    for patch in patches.ALL:
        assert patch.workflow_types and set(patch.workflow_types) <= workflow_types, patch.id
        assert patch.guards.endswith(".") and patch.older_than.date() == patch.release + timedelta(days=1)


def test_every_patch_marker_in_the_recorded_histories_is_in_the_registry():
    """Ids are markers in histories: renaming one in the registry would fail here."""
    recorded = set()
    for path in HISTORIES.glob("*/*.json"):
        for event in json.loads(path.read_text())["events"]:
            marker = event.get("markerRecordedEventAttributes")
            if marker and marker["markerName"] == "core_patch":
                payload = marker["details"]["patch-data"]["payloads"][0]["data"]
                recorded.add(json.loads(base64.b64decode(payload))["id"])
    assert recorded and recorded <= {patch.id for patch in patches.ALL}


# ---- GET /api/v1/runs/patches on the dev server ---------------------------------------------


async def _bearer(client, username: str) -> dict[str, str]:
    answer = await client.post("/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


async def _statuses_once(client, headers, check) -> dict[str, dict]:
    """Visibility is eventually consistent: ask again until `check` holds (bounded by attempts)."""
    for _ in range(100):
        answer = await client.get("/api/v1/runs/patches", headers=headers)
        assert answer.status_code == 200, answer.text
        statuses = {status["id"]: status for status in answer.json()}
        if check(statuses):
            return statuses
        await asyncio.sleep(0.1)
    raise AssertionError(f"never held: {statuses}")


async def test_a_patch_is_retirable_once_no_run_started_before_its_release_is_open(local_env, local_api,
                                                                                    monkeypatch):
    admin = await _bearer(local_api, "admin")
    staff = await local_api.get("/api/v1/runs/patches", headers=await _bearer(local_api, "staff01"))
    assert staff.status_code == 403 and "admin" in staff.json()["detail"]
    real = (await local_api.get("/api/v1/runs/patches", headers=admin)).json()
    assert [status["id"] for status in real] == [patch.id for patch in patches.ALL]

    # A workflow type of this test alone (the dev server is shared), and a run of it left open: no
    # worker polls its queue. It started today, so a patch released today counts it as older.
    workflow_type = f"PatchProbe{uuid.uuid4().hex[:8]}"
    today = datetime.now(timezone.utc).date()
    released_today = Patch("test-released-today", today, "A change of today.", (workflow_type,))
    released_before = Patch("test-released-yesterday", today - timedelta(days=1), "A change of yesterday.",
                            (workflow_type,))
    monkeypatch.setattr(patches, "ALL", (released_today, released_before))
    handle = await local_env.client.start_workflow(workflow_type, id=f"patch-probe-{uuid.uuid4()}",
                                                   task_queue=f"nobody-{uuid.uuid4()}")
    try:
        statuses = await _statuses_once(local_api, admin,
                                        lambda s: s["test-released-today"]["open_older_runs"] == 1)
        assert statuses["test-released-today"]["retirable"] is False
        assert statuses["test-released-yesterday"] == {
            "id": "test-released-yesterday", "release": (today - timedelta(days=1)).isoformat(),
            "guards": "A change of yesterday.", "workflow_types": [workflow_type],
            "older_than": f"{today.isoformat()}T00:00:00Z", "open_older_runs": 0, "retirable": True,
        }
    finally:
        await handle.terminate("test over")
    statuses = await _statuses_once(local_api, admin, lambda s: s["test-released-today"]["retirable"])
    assert statuses["test-released-today"]["open_older_runs"] == 0
