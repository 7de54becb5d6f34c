"""Who hears a campaign notice, resolved from the database at send time: reminders chase only
those who have not acted yet, and thousands of teacher ids never enter workflow history."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.campaigns.history import PlanStatus
from contracts.directory.api import Role
from models import CampaignMember, PlanStage, Problem, Reflection, Task, Topic, TopicParticipant, Training, User
from services.campaigns.service import live_problems, participants_query


async def _ids(session: AsyncSession, stmt) -> list[int]:
    return sorted(set(await session.scalars(stmt)))


async def members(session: AsyncSession, *, campaign_id: int) -> list[int]:
    return await _ids(session, select(CampaignMember.user_id).where(CampaignMember.campaign_id == campaign_id))


async def not_submitted(session: AsyncSession, *, campaign_id: int) -> list[int]:
    authors = live_problems(campaign_id).with_only_columns(Problem.author_user_id)
    return await _ids(session, select(CampaignMember.user_id).where(
        CampaignMember.campaign_id == campaign_id, CampaignMember.user_id.not_in(authors)))


async def participants(session: AsyncSession, *, campaign_id: int) -> list[int]:
    return await _ids(session, participants_query(campaign_id))


async def training_participants(session: AsyncSession, *, training_id: int) -> list[int]:
    topic_id = select(Training.topic_id).where(Training.id == training_id).scalar_subquery()
    return await _ids(session, select(TopicParticipant.user_id).where(TopicParticipant.topic_id == topic_id))


async def not_reflected(session: AsyncSession, *, campaign_id: int) -> list[int]:
    reflected = select(Reflection.user_id).where(Reflection.campaign_id == campaign_id)
    return await _ids(session, participants_query(campaign_id).where(TopicParticipant.user_id.not_in(reflected)))


async def plan_missing(session: AsyncSession, *, campaign_id: int) -> list[int]:
    """Leads whose plan is not submitted yet, or was returned and not resubmitted."""
    return await _ids(session, select(Topic.lead_user_id).where(
        Topic.campaign_id == campaign_id, Topic.plan_status.in_([PlanStatus.missing, PlanStatus.returned])))


def _undelivered(campaign_id: int, due: str | None):
    stmt = (select(Task).join(PlanStage, PlanStage.id == Task.stage_id)
            .where(Task.campaign_id == campaign_id, Task.delivered_at.is_(None), PlanStage.done_at.is_(None)))
    if due is not None:
        stmt = stmt.where(Task.due_at == datetime.fromisoformat(due))
    return stmt


async def undelivered(session: AsyncSession, *, campaign_id: int, due: str | None = None) -> list[int]:
    """Assignees with a task not delivered (of one due date, if given) in a stage not marked done."""
    return await _ids(session, _undelivered(campaign_id, due).with_only_columns(Task.assignee_user_id))


async def undelivered_leads(session: AsyncSession, *, campaign_id: int, due: str) -> list[int]:
    topics = _undelivered(campaign_id, due).with_only_columns(Task.topic_id)
    return await _ids(session, select(Topic.lead_user_id).where(Topic.id.in_(topics)))


async def staff_if_undelivered(session: AsyncSession, *, campaign_id: int, due: str, staff_ids: list[int]) -> list[int]:
    """The staff, only while some task of that due date is still not delivered."""
    pending = await session.scalar(_undelivered(campaign_id, due).with_only_columns(Task.id).limit(1))
    return sorted(staff_ids) if pending is not None else []


async def admins(session: AsyncSession) -> list[int]:
    return await _ids(session, select(User.id).where(User.role == Role.admin, User.active))


# The names workflows use in their notices (Audience(name=...)); the worker registers this table.
RESOLVERS = {
    "campaign.members": members,
    "campaign.not_submitted": not_submitted,
    "campaign.participants": participants,
    "campaign.training_participants": training_participants,
    "campaign.not_reflected": not_reflected,
    "campaign.plan_missing": plan_missing,
    "campaign.undelivered": undelivered,
    "campaign.undelivered_leads": undelivered_leads,
    "campaign.staff_if_undelivered": staff_if_undelivered,
    "campaign.admins": admins,
}
