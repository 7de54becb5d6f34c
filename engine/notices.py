"""Starting a delivery run for a notice on demand (a staff retry of its failed deliveries)."""

import uuid

from temporalio.client import Client

from config import Settings
from contracts import workflow_ids
from contracts.notifications.delivery import DeliverInput
from models import Notification
from workflows.notify import DeliverNotificationWorkflow, delivery_search_attributes


async def start_retry(client: Client, *, settings: Settings, notice: Notification) -> str:
    """A fresh delivery run for the notice's pending rows; returns its workflow id."""
    workflow_id = workflow_ids.notice_retry(notice.key, uuid.uuid4().hex[:8])
    await client.start_workflow(
        DeliverNotificationWorkflow.run, DeliverInput(notification_id=notice.id), id=workflow_id,
        task_queue=settings.temporal_task_queue,
        search_attributes=delivery_search_attributes(campaign_id=notice.campaign_id, series_id=notice.series_id),
    )
    return workflow_id
