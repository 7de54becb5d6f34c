"""A teacher's campaign to-dos (待办, services/todos): submit a problem while her campaign collects
and she has none, vote while she has not, check in to a training open now, deliver her tasks,
reflect. Each is what the phase-rule table allows now and she has not done; each drops once done."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.campaigns.api import CampaignStatus
from contracts.campaigns.phase_rules import CampaignAction, allows
from contracts.todos.api import Todo
from models import Campaign, CampaignMember, CheckIn, Problem, Reflection, Training, User, Vote
from services.campaigns.service import campaign_params, checkin_window, open_tasks


async def todos_for(session: AsyncSession, *, user: User, now: datetime) -> list[Todo]:
    campaigns = list(await session.scalars(
        select(Campaign).join(CampaignMember, CampaignMember.campaign_id == Campaign.id)
        .where(CampaignMember.user_id == user.id, Campaign.status == CampaignStatus.running)))
    todos = []
    for campaign in campaigns:
        todos += await _of_campaign(session, campaign=campaign, user=user, now=now)
    running = {campaign.id: campaign for campaign in campaigns}
    for task in await open_tasks(session, user_id=user.id):
        campaign = running.get(task.campaign_id)
        if campaign and allows(CampaignAction.deliver_task, campaign.phase, campaign.step):
            todos.append(Todo(source="campaign", action="deliver", title=f"提交成果：{task.title}（{campaign.title}）",
                              due=task.due_at, link=f"/console/me/tasks#task-{task.id}", record_id=campaign.id))
    return todos


async def _of_campaign(session: AsyncSession, *, campaign: Campaign, user: User, now: datetime) -> list[Todo]:
    def todo(action: str, title: str, link: str, due: datetime | None = campaign.deadline) -> Todo:
        return Todo(source="campaign", action=action, title=f"{title}：{campaign.title}", due=due,
                    link=f"/console/campaigns/{campaign.id}{link}", record_id=campaign.id)

    todos = []
    if allows(CampaignAction.submit_problem, campaign.phase, campaign.step) and await session.scalar(
            select(Problem.id).where(Problem.campaign_id == campaign.id, Problem.author_user_id == user.id,
                                     Problem.withdrawn_at.is_(None)).limit(1)) is None:
        todos.append(todo("submit_problem", "提交问题", "/problems/new"))
    others = select(Problem.id).where(Problem.campaign_id == campaign.id, Problem.author_user_id != user.id,
                                      Problem.withdrawn_at.is_(None)).limit(1)
    voted = select(Vote.problem_id).where(Vote.campaign_id == campaign.id, Vote.user_id == user.id).limit(1)
    if (allows(CampaignAction.vote, campaign.phase, campaign.step) and await session.scalar(others) is not None
            and await session.scalar(voted) is None):
        todos.append(todo("vote", "投票", "/problems"))
    if allows(CampaignAction.check_in, campaign.phase, campaign.step):
        params = campaign_params(campaign)
        checked = select(CheckIn.training_id).where(CheckIn.user_id == user.id, CheckIn.campaign_id == campaign.id)
        for training in await session.scalars(select(Training).where(
                Training.campaign_id == campaign.id, Training.id.not_in(checked))):
            window = checkin_window(training, params)
            if window.is_open(now):
                todos.append(todo("check_in", f"培训签到（{training.title}）", f"/trainings/{training.id}",
                                  due=window.closes))
    if allows(CampaignAction.reflect, campaign.phase, campaign.step) and await session.scalar(
            select(Reflection.id).where(Reflection.campaign_id == campaign.id, Reflection.user_id == user.id)) is None:
        todos.append(todo("reflect", "提交反思", "/reflections/new"))
    return todos
