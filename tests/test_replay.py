"""Every recorded history replays against today's workflow code (tests/histories/<release>/,
recorded with tests/histories/recorder.py; the delivery run with a wave now, one after quiet
hours and a digest was recorded on the dev server). A change to the order of a workflow's steps fails
here: runs an older release started would break the next time a worker picks them up. Such a
change needs a patch (workflows/patches.py; README: Changing a workflow safely)."""

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from worker import WORKFLOWS

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*/*.json"))


def test_histories_are_recorded() -> None:
    releases = {path.parent.name for path in HISTORIES}
    assert len(releases) >= 1 and len(HISTORIES) >= 10, releases


@pytest.mark.parametrize("path", HISTORIES, ids=[f"{p.parent.name}/{p.stem}" for p in HISTORIES])
async def test_history_replays(path: Path) -> None:
    workflow_id = path.stem.split("--")[1]
    history = WorkflowHistory.from_json(workflow_id, json.loads(path.read_text()))
    replayer = Replayer(workflows=WORKFLOWS, data_converter=pydantic_data_converter)
    await replayer.replay_workflow(history)
