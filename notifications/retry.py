"""Sending a notice's failed deliveries again, on demand (staff, from the API or the console)."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from config import Settings
from contracts.notification_api import RetryOut
from contracts.notification_delivery import DeliverInput
from notifications import inbox
from models import Notification
from workflows.notify import DeliverNotificationWorkflow, delivery_search_attributes, delivery_workflow_id


async def retry_failed(session: AsyncSession, client: Client, *, settings: Settings, notification_id: int) -> RetryOut:
    """Failed rows go back to pending (committed), then a fresh delivery run sends them; rows
    already sent are never resent."""
    reset = await inbox.reset_failed(session, notification_id=notification_id)
    await session.commit()
    if not reset:
        return RetryOut(notification_id=notification_id, reset=0, workflow_id=None)
    notice = await session.get(Notification, notification_id)
    workflow_id = f"{delivery_workflow_id(notice.key)}-retry-{uuid.uuid4().hex[:8]}"
    await client.start_workflow(
        DeliverNotificationWorkflow.run, DeliverInput(notification_id=notification_id), id=workflow_id,
        task_queue=settings.temporal_task_queue,
        search_attributes=delivery_search_attributes(campaign_id=notice.campaign_id, series_id=notice.series_id),
    )
    return RetryOut(notification_id=notification_id, reset=reset, workflow_id=workflow_id)
