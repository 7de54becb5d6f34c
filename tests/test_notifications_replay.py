"""Runs the previous release started are replayed by this one: a delivery run recorded with the
previous release's code (commit fa2d117: a wave now, one after quiet hours, a digest) replays
without a nondeterminism error, taking the previous release's path (no LEASED_DELIVERY marker)."""

import json
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from workflows.notify import DeliverNotificationWorkflow

HISTORIES = Path(__file__).parent / "histories"


async def test_delivery_run_of_the_previous_release_replays():
    recorded = json.loads((HISTORIES / "deliver_notification_previous_release.json").read_text())
    history = WorkflowHistory.from_json("notify-record:previous-release", recorded)
    replayer = Replayer(workflows=[DeliverNotificationWorkflow], data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(history)
    assert result.replay_failure is None
    scheduled = [e["activityTaskScheduledEventAttributes"]["activityType"]["name"] for e in recorded["events"]
                 if "activityTaskScheduledEventAttributes" in e]
    assert scheduled == ["plan_deliveries", "deliver_batch", "deliver_batch", "send_digests"]
