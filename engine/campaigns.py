"""A campaign's run as seen from the client: start it (once), and steer it with its Updates. A refused
Update becomes the same domain error as any other (409 naming the phase, 422 naming the field)."""

from typing import Any

from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes

from config import Settings
from contracts import search_attributes as sa
from contracts.campaigns.history import (
    CancelRequest, CloseRequest, ExtendRequest, Phase, PhaseChange, PlanRequest, PlanStatus, TopicRef,
    TopicsRequest, TrainingRef, TrainingRequest, VerdictRequest,
)
from contracts.errors import Conflict
from engine.starts import start_once
from engine.steering import steer
from models import Campaign
from services.campaigns.service import initial_state
from workflows.campaign import CampaignWorkflow

def search_attributes_of(campaign: Campaign, *, cluster_ids: list[int], started_by: str) -> TypedSearchAttributes:
    pairs = [
        SearchAttributePair(sa.RUN_KIND, "campaign"), SearchAttributePair(sa.CAMPAIGN_ID, str(campaign.id)),
        SearchAttributePair(sa.CLUSTER_IDS, [str(c) for c in cluster_ids]),
        SearchAttributePair(sa.PHASE, str(campaign.phase)), SearchAttributePair(sa.STARTED_BY, started_by),
    ]
    if campaign.subject:
        pairs.append(SearchAttributePair(sa.SUBJECT, campaign.subject))
    return TypedSearchAttributes(pairs)


async def start(client: Client, *, settings: Settings, campaign: Campaign, cluster_ids: list[int],
                started_by: str) -> bool:
    """Start the campaign's run from its first phase unless it has one (engine/starts.py): True if
    this call started it. Raises NotStarted when Temporal did not take it."""
    return await start_once(
        client, CampaignWorkflow.run, initial_state(campaign), workflow_id=campaign.workflow_id, settings=settings,
        search_attributes=search_attributes_of(campaign, cluster_ids=cluster_ids, started_by=started_by),
    )


async def _steer(client: Client, campaign: Campaign, update: Any, arg: Any) -> Any:
    phase = Phase(campaign.phase)
    return await steer(client, campaign.workflow_id, update, arg,
                       ended=Conflict(f"活动已{phase.label} (campaign has ended)", phase=phase.value))


async def close_phase(client: Client, campaign: Campaign, request: CloseRequest) -> PhaseChange:
    return await _steer(client, campaign, CampaignWorkflow.close_phase, request)


async def extend_phase(client: Client, campaign: Campaign, request: ExtendRequest) -> PhaseChange:
    return await _steer(client, campaign, CampaignWorkflow.extend_phase, request)


async def cancel(client: Client, campaign: Campaign, request: CancelRequest) -> PhaseChange:
    return await _steer(client, campaign, CampaignWorkflow.cancel, request)


async def confirm_topics(client: Client, campaign: Campaign, request: TopicsRequest) -> list[TopicRef]:
    return await _steer(client, campaign, CampaignWorkflow.confirm_topics, request)


async def schedule_training(client: Client, campaign: Campaign, request: TrainingRequest) -> TrainingRef:
    return await _steer(client, campaign, CampaignWorkflow.schedule_training, request)


async def submit_plan(client: Client, campaign: Campaign, request: PlanRequest) -> PlanStatus:
    return await _steer(client, campaign, CampaignWorkflow.submit_plan, request)


async def decide_plan(client: Client, campaign: Campaign, request: VerdictRequest, *, approve: bool) -> PlanStatus:
    update = CampaignWorkflow.approve_plan if approve else CampaignWorkflow.return_plan
    return await _steer(client, campaign, update, request)
