"""Sending a notice's failed deliveries again, on demand (staff, from the API or the console)."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from config import Settings
from contracts.notification_api import RetryOut
from contracts.notification_delivery import DeliverInput
from notifications import inbox
from workflows.notify import DeliverNotificationWorkflow, delivery_workflow_id


async def retry_failed(session: AsyncSession, client: Client, *, settings: Settings, notification_id: int) -> RetryOut:
    """Failed rows go back to pending (committed), then a fresh delivery run sends them; rows
    already sent are never resent."""
    reset = await inbox.reset_failed(session, notification_id=notification_id)
    await session.commit()
    if not reset:
        return RetryOut(notification_id=notification_id, reset=0, workflow_id=None)
    key = await inbox.notification_key(session, notification_id=notification_id)
    workflow_id = f"{delivery_workflow_id(key)}-retry-{uuid.uuid4().hex[:8]}"
    await client.start_workflow(DeliverNotificationWorkflow.run, DeliverInput(notification_id=notification_id),
                                id=workflow_id, task_queue=settings.temporal_task_queue)
    return RetryOut(notification_id=notification_id, reset=reset, workflow_id=workflow_id)
