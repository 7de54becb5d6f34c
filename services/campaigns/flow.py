"""What the campaign workflow's activities write: phase changes, topic proposals, confirmed
topics, trainings, plans and tasks. Every function is idempotent: activities run at least once."""

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.campaigns.api import CampaignStatus
from contracts.campaigns.history import (
    Phase, PhaseStep, PlanStatus, PlanSubmission, PlanVerdict, TasksCreated, TopicRef, TopicsConfirmation, TrainingRef,
    TrainingScheduling, Transition,
)
from models import (
    Campaign, CampaignMember, CampaignPhase, CheckIn, Plan, PlanStage, Problem, Task, Topic, TopicParticipant,
    Training, User, Vote,
)
from services import attendance
from services.campaigns import audiences as campaign_audiences
from services.campaigns import topic_proposals
from services.campaigns.service import INSERT_CHUNK

STATUS_OF = {Phase.completed: CampaignStatus.completed, Phase.cancelled: CampaignStatus.cancelled}


async def record_transition(session: AsyncSession, *, transition: Transition) -> None:
    campaign = await session.get(Campaign, transition.campaign_id)
    if campaign.phase == Phase.cancelled:
        return  # a cancel recorded first wins over a phase change racing it
    phases = {row.phase: row for row in await session.scalars(
        select(CampaignPhase).where(CampaignPhase.campaign_id == campaign.id))}
    previous = phases.get(campaign.phase)
    leaving = campaign.phase != transition.phase
    if previous is not None and leaving and previous.closed_at is None:
        previous.closed_at, previous.closed_how, previous.closed_by = (
            transition.at, transition.closed_how, transition.closed_by)
    current = phases.get(transition.phase)
    if current is not None:
        if current.opened_at is None:
            current.opened_at = transition.at
        current.deadline = transition.deadline
        if transition.step == PhaseStep.deciding and current.closed_at is None:
            # Collection is over: the window closed, the decision is pending.
            current.closed_at, current.closed_how, current.closed_by = (
                transition.at, transition.closed_how, transition.closed_by)
    campaign.phase, campaign.step, campaign.deadline = transition.phase, transition.step, transition.deadline
    campaign.status = STATUS_OF.get(transition.phase, CampaignStatus.running)
    if transition.phase == Phase.cancelled:
        campaign.cancel_reason, campaign.cancelled_by = transition.reason, transition.closed_by
    await session.flush()


async def propose_topics(session: AsyncSession, *, campaign_id: int) -> dict[str, int]:
    """Group the live problems into proposals (services/campaigns/topic_proposals.py); idempotent."""
    return await topic_proposals.propose(session, campaign_id=campaign_id)


async def _add_participants(session: AsyncSession, *, campaign_id: int, topic_id: int,
                            reasons: dict[int, str]) -> None:
    already = set(await session.scalars(select(TopicParticipant.user_id).where(TopicParticipant.topic_id == topic_id)))
    rows = [{"topic_id": topic_id, "user_id": u, "campaign_id": campaign_id, "reason": r}
            for u, r in reasons.items() if u not in already]
    for start in range(0, len(rows), INSERT_CHUNK):
        await session.execute(insert(TopicParticipant), rows[start : start + INSERT_CHUNK])


def _topic_ref(topic: Topic) -> TopicRef:
    return TopicRef(id=topic.id, title=topic.title, lead_user_id=topic.lead_user_id)


async def confirm_topics(session: AsyncSession, *, confirmation: TopicsConfirmation) -> list[TopicRef]:
    """Store the confirmed topics and their participants: authors of and voters on the member
    problems, and the lead."""
    campaign_id = confirmation.campaign_id
    existing = (await session.scalars(select(Topic).where(Topic.campaign_id == campaign_id).order_by(Topic.position))).all()
    if existing:
        return [_topic_ref(t) for t in existing]
    refs = []
    for position, data in enumerate(confirmation.topics):
        topic = Topic(campaign_id=campaign_id, position=position, title=data.title, problem_ids=data.problem_ids,
                      lead_user_id=data.lead_user_id, confirmed_by=confirmation.by_user_id)
        session.add(topic)
        await session.flush()
        reasons: dict[int, str] = {}
        if data.problem_ids:
            for user_id in await session.scalars(select(Vote.user_id).where(Vote.problem_id.in_(data.problem_ids))):
                reasons[user_id] = "voter"
            for user_id in await session.scalars(select(Problem.author_user_id).where(Problem.id.in_(data.problem_ids))):
                reasons[user_id] = "author"
        reasons[data.lead_user_id] = "lead"
        await _add_participants(session, campaign_id=campaign_id, topic_id=topic.id, reasons=reasons)
        refs.append(_topic_ref(topic))
    await session.flush()
    return refs


def _training_ref(training: Training) -> TrainingRef:
    return TrainingRef(id=training.id, topic_id=training.topic_id, title=training.title, expert=training.expert,
                       place=training.place or training.online_link or "",
                       starts_at=training.starts_at, ends_at=training.ends_at, scheduled_at=training.created_at)


async def schedule_training(session: AsyncSession, *, scheduling: TrainingScheduling) -> TrainingRef:
    data = scheduling.training
    existing = await session.scalar(select(Training).where(
        Training.campaign_id == scheduling.campaign_id, Training.topic_id == data.topic_id,
        Training.title == data.title, Training.starts_at == data.starts_at))
    if existing is not None:
        return _training_ref(existing)
    training = Training(campaign_id=scheduling.campaign_id, scheduled_by=scheduling.by_user_id,
                        created_at=scheduling.at, **data.model_dump())
    session.add(training)
    await session.flush()
    return _training_ref(training)


async def absentees_by_school(session: AsyncSession, *, training_id: int) -> dict[str, list[str]]:
    """Participants of the training's topic who did not check in, by the school they are members for."""
    training = await session.get(Training, training_id)
    expected = (
        select(TopicParticipant.user_id, User.display_name.label("name"), CampaignMember.school_id)
        .join(User, User.id == TopicParticipant.user_id)
        .join(CampaignMember, (CampaignMember.campaign_id == TopicParticipant.campaign_id)
              & (CampaignMember.user_id == TopicParticipant.user_id))
        .where(TopicParticipant.topic_id == training.topic_id)
    )
    present = select(CheckIn.user_id).where(CheckIn.training_id == training_id)
    return attendance.by_school(await attendance.absentees(session, expected=expected, present=present))


async def overdue_assignees(session: AsyncSession, *, campaign_id: int, due: datetime) -> list[str]:
    """Names of the assignees whose tasks due at `due` are not delivered (in stages not marked done)."""
    user_ids = await campaign_audiences.undelivered(session, campaign_id=campaign_id, due=due.isoformat())
    return list(await session.scalars(
        select(User.display_name).where(User.id.in_(user_ids)).order_by(User.display_name)))


async def store_plan(session: AsyncSession, *, submission: PlanSubmission) -> None:
    """Submit or resubmit a topic's plan; a resubmission after a return bumps the version."""
    topic = await session.get(Topic, submission.topic_id)
    plan = await session.scalar(select(Plan).where(Plan.topic_id == topic.id))
    at = submission.at
    if plan is not None and plan.submitted_at == at and plan.status == PlanStatus.submitted:
        return  # this very submission, stored by an attempt whose answer was lost
    if plan is None:
        plan = Plan(campaign_id=submission.campaign_id, topic_id=topic.id, goal=submission.plan.goal,
                    submitted_by=submission.by_user_id, submitted_at=at)
        session.add(plan)
        await session.flush()
    else:
        if plan.status == PlanStatus.returned:
            plan.version += 1
        plan.goal, plan.submitted_by, plan.submitted_at = submission.plan.goal, submission.by_user_id, at
        for stage in await session.scalars(select(PlanStage).where(PlanStage.plan_id == plan.id)):
            await session.delete(stage)
    plan.status = topic.plan_status = PlanStatus.submitted
    session.add_all(
        PlanStage(plan_id=plan.id, position=n, title=s.title, kind=s.kind, due_at=s.due_at,
                  assignee_user_ids=s.assignee_user_ids)
        for n, s in enumerate(submission.plan.stages)
    )
    await session.flush()


async def decide_plan(session: AsyncSession, *, verdict: PlanVerdict) -> TasksCreated:
    """Approve (one task per stage and assignee) or return the plan with the comment."""
    topic = await session.get(Topic, verdict.topic_id)
    plan = await session.scalar(select(Plan).where(Plan.topic_id == topic.id))
    plan.decided_by, plan.decided_at = verdict.by_user_id, verdict.at
    if not verdict.approve:
        plan.status = topic.plan_status = PlanStatus.returned
        plan.comment = verdict.comment
        await session.flush()
        return TasksCreated(assignee_user_ids=[], due_dates=[])
    plan.status = topic.plan_status = PlanStatus.approved
    stages = (await session.scalars(select(PlanStage).where(PlanStage.plan_id == plan.id).order_by(PlanStage.position))).all()
    existing = set((await session.execute(select(Task.stage_id, Task.assignee_user_id).where(
        Task.topic_id == topic.id))).all())
    for stage in stages:
        session.add_all(
            Task(campaign_id=topic.campaign_id, topic_id=topic.id, stage_id=stage.id, assignee_user_id=user_id,
                 title=f"{topic.title}：{stage.title}", kind=stage.kind, due_at=stage.due_at, created_at=verdict.at)
            for user_id in stage.assignee_user_ids if (stage.id, user_id) not in existing
        )
    assignees = sorted({u for s in stages for u in s.assignee_user_ids})
    await _add_participants(session, campaign_id=topic.campaign_id, topic_id=topic.id,
                            reasons={u: "assignee" for u in assignees})
    await session.flush()
    return TasksCreated(assignee_user_ids=assignees, due_dates=sorted({s.due_at for s in stages}))
