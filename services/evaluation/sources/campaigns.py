"""Indicators counted from order-style research campaigns (订单式教研): campaigns and topics
completed, training check-ins and reflections of the alliance's teachers during the term. A
campaign belongs to a school when the school has members in it."""

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.campaigns.api import CampaignStatus
from contracts.campaigns.history import Phase
from models import Campaign, CampaignMember, CampaignPhase, CheckIn, Reflection, Topic, Training
from services.evaluation.sources.registry import Levels, Scope, counted, query


async def _schools_of_campaigns(session: AsyncSession, scope: Scope) -> dict[int, set[int]]:
    """The alliance's campaigns: campaign id → its member schools in the alliance."""
    rows = await session.execute(select(CampaignMember.campaign_id, CampaignMember.school_id).where(
        CampaignMember.cluster_id == scope.cluster_id).distinct())
    schools: dict[int, set[int]] = defaultdict(set)
    for campaign_id, school_id in rows.all():
        schools[campaign_id].add(school_id)
    return schools


@query("campaigns.completed")
async def completed(session: AsyncSession, scope: Scope) -> Levels:
    """Campaigns of the alliance that closed their last phase (反思升华) within the term."""
    schools = await _schools_of_campaigns(session, scope)
    done = await session.scalars(select(Campaign.id).join(CampaignPhase, CampaignPhase.campaign_id == Campaign.id).where(
        Campaign.id.in_(schools), Campaign.status == CampaignStatus.completed, CampaignPhase.phase == Phase.reflect,
        CampaignPhase.closed_at >= scope.starts, CampaignPhase.closed_at < scope.ends))
    by_school: dict[int | None, list[str]] = defaultdict(list)
    for campaign_id in done:
        for school_id in schools[campaign_id]:
            by_school[school_id].append(f"campaign:{campaign_id}")
    return counted(scope, by_school)


@query("campaigns.topics_completed")
async def topics_completed(session: AsyncSession, scope: Scope) -> Levels:
    """Topics of the alliance's campaigns summed up (结题) within the term; a school: topics its
    teachers led."""
    schools = await _schools_of_campaigns(session, scope)
    topics = await session.scalars(select(Topic).where(
        Topic.campaign_id.in_(schools), Topic.summary_at >= scope.starts, Topic.summary_at < scope.ends))
    by_school: dict[int | None, list[str]] = defaultdict(list)
    for topic in topics:
        by_school[scope.teachers.get(topic.lead_user_id)].append(f"topic:{topic.id}")
    return counted(scope, by_school)


@query("campaigns.training_checkins")
async def training_checkins(session: AsyncSession, scope: Scope) -> Levels:
    """Check-ins of the alliance's teachers at trainings held within the term (培训次数)."""
    rows = await session.execute(select(CheckIn.training_id, CheckIn.user_id).join(
        Training, Training.id == CheckIn.training_id).where(
        CheckIn.user_id.in_(scope.teachers), Training.starts_at >= scope.starts, Training.starts_at < scope.ends))
    by_school: dict[int | None, list[str]] = defaultdict(list)
    for training_id, user_id in rows.all():
        by_school[scope.teachers[user_id]].append(f"training_checkin:{training_id}-{user_id}")
    return counted(scope, by_school)


@query("campaigns.reflections")
async def reflections(session: AsyncSession, scope: Scope) -> Levels:
    """Reflections (反思) the alliance's teachers wrote within the term."""
    rows = await session.execute(select(Reflection.id, Reflection.user_id).where(
        Reflection.user_id.in_(scope.teachers), Reflection.created_at >= scope.starts,
        Reflection.created_at < scope.ends))
    by_school: dict[int | None, list[str]] = defaultdict(list)
    for reflection_id, user_id in rows.all():
        by_school[scope.teachers[user_id]].append(f"reflection:{reflection_id}")
    return counted(scope, by_school)
