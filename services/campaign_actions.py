"""A user's campaign actions with the checks of who may do them, shared by the API and the console
so both refuse the same things (Forbidden, NotFound) before the phase guards and the workflow do."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from contracts.campaigns import (
    DeliveryIn, PlanIn, PlanRequest, TopicIn, TopicRef, TopicsRequest, VerdictRequest,
)
from models import CheckIn, Task, Topic, Training, User
from services import campaign_runs, campaigns
from contracts.errors import Forbidden, NotFound
from workflows.campaign import CampaignWorkflow

# ---- teachers ------------------------------------------------------------------------------


async def cast_vote(session: AsyncSession, *, campaign_id: int, problem_id: int, user: User) -> int:
    """One vote within the campaign's budget; returns the votes left."""
    member = await campaigns.require_member(session, campaign_id=campaign_id, user=user)
    campaign = await campaigns.get_campaign(session, campaign_id)
    problem = await campaigns.get_problem(session, campaign_id=campaign_id, problem_id=problem_id)
    return await campaigns.vote(session, problem=problem, member=member,
                                budget=campaigns.campaign_params(campaign).vote_budget)


async def take_back_vote(session: AsyncSession, *, campaign_id: int, problem_id: int, user: User) -> None:
    await campaigns.require_member(session, campaign_id=campaign_id, user=user)
    problem = await campaigns.get_problem(session, campaign_id=campaign_id, problem_id=problem_id)
    await campaigns.unvote(session, problem=problem, user_id=user.id)


async def own_task(session: AsyncSession, *, task_id: int, user: User) -> Task:
    task = await session.get(Task, task_id)
    if task is None:
        raise NotFound("任务 (task)", task_id)
    if task.assignee_user_id != user.id:
        raise Forbidden("只能提交分配给自己的任务 (not your task)")
    return task


async def deliver_task(session: AsyncSession, *, task_id: int, user: User, data: DeliveryIn, now: datetime) -> Task:
    return await campaigns.deliver(session, task=await own_task(session, task_id=task_id, user=user), data=data, now=now)


async def get_training(session: AsyncSession, training_id: int, *, campaign_id: int | None = None) -> Training:
    training = await session.get(Training, training_id)
    if training is None or campaign_id not in (None, training.campaign_id):
        raise NotFound("培训 (training)", training_id)
    return training


async def check_in_training(session: AsyncSession, *, training_id: int, user: User, now: datetime) -> CheckIn:
    """Teachers in the campaign's scope, in the window around the training."""
    training = await get_training(session, training_id)
    await campaigns.require_member(session, campaign_id=training.campaign_id, user=user)
    campaign = await campaigns.get_campaign(session, training.campaign_id)
    return await campaigns.check_in(session, training=training, user_id=user.id,
                                    params=campaigns.campaign_params(campaign), now=now)


# ---- topic leads and staff (decisions go to the workflow) ----------------------------------


async def led_topic(session: AsyncSession, *, campaign_id: int, topic_id: int, user: User) -> Topic:
    topic = await campaigns.get_topic(session, campaign_id=campaign_id, topic_id=topic_id)
    if topic.lead_user_id != user.id:
        raise Forbidden("只有专题负责人可以操作 (only the topic lead may do this)")
    return topic


async def confirm_topics(session: AsyncSession, client: Client, *, campaign_id: int, topics: list[TopicIn],
                         user: User) -> list[TopicRef]:
    campaign = await campaigns.get_campaign(session, campaign_id)
    await campaigns.check_topics(session, campaign_id=campaign_id, topics=topics)
    return await campaign_runs.steer(client, campaign=campaign, update=CampaignWorkflow.confirm_topics,
                                     arg=TopicsRequest(user_id=user.id, topics=topics))


async def submit_plan(session: AsyncSession, client: Client, *, campaign_id: int, topic_id: int, data: PlanIn,
                      user: User, now: datetime) -> None:
    """The topic lead submits (or resubmits after a return) the research plan."""
    campaign = await campaigns.get_campaign(session, campaign_id)
    await led_topic(session, campaign_id=campaign_id, topic_id=topic_id, user=user)
    await campaigns.check_plan(session, campaign_id=campaign_id, plan=data, now=now)
    await campaign_runs.steer(client, campaign=campaign, update=CampaignWorkflow.submit_plan,
                              arg=PlanRequest(user_id=user.id, topic_id=topic_id, plan=data,
                                              author_name=user.display_name))


async def decide_plan(session: AsyncSession, client: Client, *, campaign_id: int, topic_id: int, user: User,
                      approve: bool, comment: str = "") -> None:
    """Staff approve (the assignees get their tasks) or return with a comment."""
    campaign = await campaigns.get_campaign(session, campaign_id)
    await campaigns.get_topic(session, campaign_id=campaign_id, topic_id=topic_id)
    update = CampaignWorkflow.approve_plan if approve else CampaignWorkflow.return_plan
    await campaign_runs.steer(client, campaign=campaign, update=update,
                              arg=VerdictRequest(user_id=user.id, topic_id=topic_id, comment=comment))
