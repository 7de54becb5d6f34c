"""Records the histories of the runs a test starts, for the replay test (tests/test_replay.py).

    RECORD_HISTORIES=tests/histories/<release> .venv/bin/python -m pytest tests/test_campaign_lifecycle.py ...

conftest.py's time-skipping environment carries this client interceptor; with RECORD_HISTORIES
set, every run the test started (and the delivery runs those started, and every run of a
continue-as-new chain) is written there as JSON when the test ends."""

import json
import os
from pathlib import Path

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, Interceptor, OutboundInterceptor, StartWorkflowInput


class HistoryRecorder(Interceptor):
    def __init__(self) -> None:
        self.started: list[str] = []

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _Recording(next, self.started)

    async def save(self, client: Client, test_name: str) -> None:
        directory = os.environ.get("RECORD_HISTORIES")
        if not directory:
            return
        Path(directory).mkdir(parents=True, exist_ok=True)
        queue, seen = list(self.started), set()
        while queue:
            workflow_id = queue.pop(0)
            if workflow_id in seen:
                continue
            seen.add(workflow_id)
            run_id = (await client.get_workflow_handle(workflow_id).describe()).run_id
            while run_id:  # the chain backwards, from the newest run
                history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
                events = history.events
                queue += [e.start_child_workflow_execution_initiated_event_attributes.workflow_id for e in events
                          if e.event_type == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED]
                path = Path(directory) / f"{test_name}--{workflow_id}--{run_id[:8]}.json".replace(" ", "_")
                path.write_text(json.dumps(history.to_json_dict(), ensure_ascii=False))
                run_id = events[0].workflow_execution_started_event_attributes.continued_execution_run_id


class _Recording(OutboundInterceptor):
    def __init__(self, next: OutboundInterceptor, started: list[str]) -> None:
        super().__init__(next)
        self.started = started

    async def start_workflow(self, input: StartWorkflowInput):
        self.started.append(input.id)
        return await super().start_workflow(input)
