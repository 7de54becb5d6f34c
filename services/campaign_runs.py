"""Starting a campaign's workflow and steering it with Updates; a refused Update becomes the same
domain error as any other (409 naming the phase, 422 naming the field)."""

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from config import Settings
from contracts import search_attributes as sa
from contracts.campaigns import CampaignIn, Phase
from models import Campaign, CampaignMember, User
from services import campaigns
from services.errors import Conflict, InvalidField, Unavailable
from workflows.campaign import INVALID, WRONG_PHASE, CampaignWorkflow

logger = logging.getLogger(__name__)


def search_attributes_of(campaign: Campaign, *, cluster_ids: list[int], started_by: User) -> TypedSearchAttributes:
    pairs = [
        SearchAttributePair(sa.RUN_KIND, "campaign"), SearchAttributePair(sa.CAMPAIGN_ID, str(campaign.id)),
        SearchAttributePair(sa.CLUSTER_IDS, [str(c) for c in cluster_ids]),
        SearchAttributePair(sa.PHASE, str(campaign.phase)), SearchAttributePair(sa.STARTED_BY, started_by.username),
    ]
    if campaign.subject:
        pairs.append(SearchAttributePair(sa.SUBJECT, campaign.subject))
    return TypedSearchAttributes(pairs)


async def launch(session: AsyncSession, client: Client, *, settings: Settings, data: CampaignIn, by: User,
                 now: datetime) -> Campaign:
    """Store the campaign, then start its run. No run, no campaign: a campaign whose workflow did
    not start would never move, so it is deleted again and the caller hears Temporal is down."""
    campaign = await campaigns.create_campaign(session, data=data, by=by, now=now)
    cluster_ids = sorted(set(await session.scalars(
        select(CampaignMember.cluster_id).where(CampaignMember.campaign_id == campaign.id))))
    await session.commit()
    try:
        await client.start_workflow(
            CampaignWorkflow.run, campaigns.initial_state(campaign), id=campaign.workflow_id,
            task_queue=settings.temporal_task_queue,
            search_attributes=search_attributes_of(campaign, cluster_ids=cluster_ids, started_by=by),
        )
    except Exception as exc:
        logger.exception("campaign %s: workflow did not start", campaign.id)
        await session.delete(campaign)
        await session.commit()
        raise Unavailable("工作流服务不可用，活动未创建 (Temporal unavailable)") from exc
    return campaign


async def steer(client: Client, *, campaign: Campaign, update: Any, arg: Any) -> Any:
    """Run one of CampaignWorkflow's Updates and return its result."""
    handle = client.get_workflow_handle(campaign.workflow_id)
    try:
        return await handle.execute_update(update, arg)
    except WorkflowUpdateFailedError as failed:
        cause = failed.cause
        if isinstance(cause, ApplicationError) and cause.type in (WRONG_PHASE, INVALID):
            details = cause.details[0] if cause.details else {}
            if cause.type == INVALID:
                raise InvalidField(details.get("field", "body"), cause.message) from None
            raise Conflict(cause.message, **details) from None
        raise
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            # The run has ended (completed or cancelled): nothing left to steer.
            phase = Phase(campaign.phase)
            raise Conflict(f"活动已{phase.label} (campaign has ended)", phase=phase.value) from None
        raise
