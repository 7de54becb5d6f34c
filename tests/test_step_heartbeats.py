"""A step held by a worker that is gone is given to another within the heartbeat timeout
(workflows/steps.py), while a step that is only slow, on a live worker, is never taken from it."""

import ast
import asyncio
import uuid
from datetime import timedelta
from pathlib import Path

from temporalio import activity, workflow
from temporalio.common import RetryPolicy

from config import ROOT
from worker import create_worker


@activity.defn
async def waits_on_the_database() -> int:
    await asyncio.sleep(2.5)  # past its heartbeat timeout, without beating itself
    return activity.info().attempt


@workflow.defn(sandboxed=False)  # a test workflow, in a module that imports the product
class OneSlowStep:
    @workflow.run
    async def run(self) -> int:
        return await workflow.execute_activity(
            waits_on_the_database, start_to_close_timeout=timedelta(minutes=1),
            heartbeat_timeout=timedelta(seconds=1), retry_policy=RetryPolicy(maximum_attempts=1),
        )


async def test_a_slow_step_on_a_live_worker_keeps_its_attempt(local_env, settings, session_factory):
    """The stall watch beats for the step: its one attempt finishes instead of timing out. Found by
    the term soak on SQLite: with forty notices delivering at once, a drain's heartbeat was sent
    from the loop that renewed its claims and waited with it for the write lock, so Temporal
    cancelled the drain and retried it from scratch, over and over (the opening fan-out to 5,000
    teachers sent 234 e-mails in eight minutes)."""
    queue = f"heartbeats-{uuid.uuid4()}"
    async with create_worker(local_env.client, settings=settings, session_factory=session_factory, task_queue=queue,
                             workflows=[OneSlowStep], activities=[waits_on_the_database]):
        attempt = await local_env.client.execute_workflow(OneSlowStep.run, id=f"slow-{uuid.uuid4()}", task_queue=queue)
    assert attempt == 1


def _activity_calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "").startswith("execute_activity"):
            yield node


def test_every_step_a_run_schedules_asks_to_be_heard_from():
    """Without a heartbeat timeout, a step on a killed worker holds its run for its start-to-close
    (five minutes for a campaign's), unseen. Runs of earlier releases (workflows/legacy/) keep theirs."""
    silent = []
    for path in sorted((ROOT / "workflows").glob("*.py")):
        tree = ast.parse(path.read_text())
        named = {node.targets[0].id for node in ast.walk(tree) if isinstance(node, ast.Assign)
                 and isinstance(node.targets[0], ast.Name) and "steps.options" in ast.unparse(node.value)}
        for call in _activity_calls(tree):
            keywords = {keyword.arg for keyword in call.keywords}
            spread = [ast.unparse(keyword.value) for keyword in call.keywords if keyword.arg is None]
            if "heartbeat_timeout" not in keywords and not any(
                    text.startswith("steps.options") or text in named for text in spread):
                silent.append(f"{Path(path).name}:{call.lineno}")
    assert not silent, f"steps scheduled without a heartbeat timeout: {silent}"
    assert list(_activity_calls(ast.parse((ROOT / "workflows" / "campaign.py").read_text())))  # the check sees calls
