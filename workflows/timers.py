"""Waiting in workflow time, for the delivery runs of every release."""

from datetime import datetime

from temporalio import workflow


async def sleep_until(due_at: datetime | None) -> None:
    """A durable timer until `due_at` (None, or a moment already past: no timer)."""
    if due_at is not None and due_at > workflow.now():
        await workflow.sleep(due_at - workflow.now())
