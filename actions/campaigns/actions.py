"""What people do in an order-style campaign (订单式教研), one function per action.

Teachers' actions are written here under the phase guard (services/campaigns/service.py) and committed;
staff decisions and topic leads' plans go to the campaign's run as Updates (engine/campaigns.py),
whose validators ask the same phase-rule table. Who may: the campaign's creator and the
co-organisers she adds steer it (admins steer every campaign), every staff member reads it;
teachers act only inside the scope the campaign froze at launch, on their own problems and tasks;
a topic's lead (a staff member or a teacher) designs and runs its plan."""

import asyncio

from actions import policy
from actions.context import Context
from contracts.campaigns.api import (
    CampaignDetail, CampaignIn, CampaignOrganiserOut, CampaignOut, CampaignStatus, CloseIn, DeliveryIn, ExtendIn,
    PlanOut, ProblemIn, ProblemMove, ProblemOut, ProblemUpdate, ProposalSplit, ProposalsMerge, ReflectionIn, SecondIn,
    SecondOut, SimilarProblem, SummaryIn, TopicOut, TopicProposal, VoteOut,
)
from contracts.campaigns.phase_rules import CampaignAction, require
from contracts.campaigns.history import (
    CancelRequest, CloseRequest, ExtendRequest, Phase, PhaseChange, PlanIn, PlanRequest, PlanStatus, TopicIn,
    TopicsRequest, TrainingIn, TrainingRequest, VerdictRequest,
)
from contracts.directory.api import Page
from contracts.errors import Forbidden, NotFound
from contracts.runs.api import RunPending
from engine import campaigns as runs
from engine.starts import NotStarted
from models import Campaign, CampaignMember, CheckIn, Plan, PlanStage, Problem, Reflection, Task, Topic, Training
from services.attendance import AttendanceKind, default_rule
from services.campaigns import flow as campaign_flow
from services.campaigns import report as campaign_report
from services.campaigns import seconds, similar
from services.campaigns import views as campaign_views
from services.campaigns import service as campaigns
from services.campaigns import topic_proposals as proposals
from services.directory.service import page
from services.documents.pdf import html_to_pdf

NOT_IN_SCOPE = "您不在本活动范围内 (not in this campaign's scope)"
NOT_STEERING = "需要是该活动的发起人或协同组织者 (requires: the campaign's creator or a co-organiser)"
NOT_CREATOR = "需要是该活动的发起人或管理员 (requires: the campaign's creator or an admin)"


# ---- who may -------------------------------------------------------------------------------


async def visible_campaign(ctx: Context, campaign_id: int) -> Campaign:
    """The campaign, if this user may read it: staff and admins all, teachers those they are in."""
    if policy.is_staff(ctx.user):
        return await campaigns.get_campaign(ctx.session, campaign_id)
    campaign, member = await campaigns.campaign_and_member(ctx.session, campaign_id=campaign_id, user_id=ctx.user.id)
    if member is None:
        raise Forbidden(NOT_IN_SCOPE)
    return campaign


async def _member(ctx: Context, campaign_id: int) -> tuple[Campaign, CampaignMember]:
    """The campaign, and the teacher's place in its scope (frozen at launch). Callers that act keep
    the campaign: the session holds it only while it is referenced, and the phase guard reads it."""
    policy.require_teacher(ctx.user)
    campaign, member = await campaigns.campaign_and_member(ctx.session, campaign_id=campaign_id, user_id=ctx.user.id)
    if member is None:
        raise Forbidden(NOT_IN_SCOPE)
    return campaign, member


async def may_steer(ctx: Context, campaign: Campaign) -> bool:
    """Admins, the campaign's creator and the co-organisers she added: every decision on a campaign
    (phases, topics, trainings, plans, co-organisers aside) is theirs alone."""
    if policy.is_admin(ctx.user):
        return True
    return policy.is_staff(ctx.user) and (
        campaign.created_by == ctx.user.id
        or await campaigns.is_organiser(ctx.session, campaign_id=campaign.id, user_id=ctx.user.id))


async def steered_campaign(ctx: Context, campaign_id: int) -> Campaign:
    """The campaign, for those who steer it; other staff read it and are refused here."""
    policy.require_staff(ctx.user)
    campaign = await campaigns.get_campaign(ctx.session, campaign_id)
    if not await may_steer(ctx, campaign):
        raise Forbidden(NOT_STEERING, required="campaign_organiser")
    return campaign


def may_choose_organisers(ctx: Context, campaign: Campaign) -> bool:
    """Who steers with her is the creator's choice (and an admin's), not a co-organiser's."""
    return policy.is_admin(ctx.user) or campaign.created_by == ctx.user.id


async def _organisers_chosen_by(ctx: Context, campaign_id: int) -> Campaign:
    policy.require_staff(ctx.user)
    campaign = await campaigns.get_campaign(ctx.session, campaign_id)
    if not may_choose_organisers(ctx, campaign):
        raise Forbidden(NOT_CREATOR, required="campaign_creator")
    return campaign


async def read_by_staff(ctx: Context, campaign_id: int) -> Campaign:
    """The campaign, for every staff member and admin: the board's figures are theirs to read."""
    policy.require_staff(ctx.user)
    return await campaigns.get_campaign(ctx.session, campaign_id)


async def _led_topic(ctx: Context, campaign_id: int, topic_id: int) -> Topic:
    topic = await campaigns.get_topic(ctx.session, campaign_id=campaign_id, topic_id=topic_id)
    if topic.lead_user_id != ctx.user.id:
        raise Forbidden("只有专题负责人可以操作 (only the topic lead may do this)")
    return topic


async def _own_problem(ctx: Context, campaign_id: int, problem_id: int) -> Problem:
    policy.require_teacher(ctx.user)
    problem = await campaigns.get_problem(ctx.session, campaign_id=campaign_id, problem_id=problem_id)
    if problem.author_user_id != ctx.user.id:
        raise Forbidden("只能修改自己提交的问题 (only the author may change a problem)")
    return problem


async def _own_task(ctx: Context, task_id: int) -> Task:
    policy.require_teacher(ctx.user)
    task = await ctx.session.get(Task, task_id)
    if task is None:
        raise NotFound("任务 (task)", task_id)
    if task.assignee_user_id != ctx.user.id:
        raise Forbidden("只能提交分配给自己的任务 (not your task)")
    return task


async def get_training(ctx: Context, training_id: int, *, campaign_id: int | None = None) -> Training:
    training = await ctx.session.get(Training, training_id)
    if training is None or campaign_id not in (None, training.campaign_id):
        raise NotFound("培训 (training)", training_id)
    return training


# ---- launching and reading -----------------------------------------------------------------


async def launch(ctx: Context, *, data: CampaignIn) -> CampaignOut | RunPending:
    """Store the campaign, then start its run. If Temporal does not take the start, the campaign
    stays and the answer says its run starts later: the worker's reconciler starts it (as it does
    for a process killed between the commit and the start)."""
    policy.require_staff(ctx.user)
    campaign = await campaigns.create_campaign(ctx.session, data=data, by=ctx.user, now=ctx.now,
                                               checkin=default_rule(AttendanceKind.training, ctx.settings))
    cluster_ids = await campaigns.member_clusters(ctx.session, campaign.id)
    await ctx.session.commit()
    try:
        await runs.start(ctx.temporal, settings=ctx.settings, campaign=campaign, cluster_ids=cluster_ids,
                         started_by=ctx.user.username)
    except NotStarted:
        return RunPending(id=campaign.id, workflow_id=campaign.workflow_id)
    return await campaign_views.campaign_out(ctx.session, campaign)


async def list_campaigns(ctx: Context, *, status: CampaignStatus | None = None, phase: Phase | None = None,
                         subject: str | None = None, cluster_id: int | None = None, offset: int = 0,
                         limit: int = 50) -> Page[CampaignOut]:
    """Staff and admins see every campaign, teachers those they are in."""
    stmt = campaigns.campaigns_query(status=status, phase=phase, subject=subject, cluster_id=cluster_id,
                                     member_user_id=None if policy.is_staff(ctx.user) else ctx.user.id)
    items, total = await page(ctx.session, stmt=stmt, offset=offset, limit=limit)
    return Page(items=[await campaign_views.campaign_out(ctx.session, c) for c in items], total=total,
                offset=offset, limit=limit)


async def read_campaign(ctx: Context, *, campaign_id: int) -> CampaignDetail:
    campaign = await visible_campaign(ctx, campaign_id)
    return await campaign_views.campaign_detail(ctx.session, campaign, user_id=ctx.user.id)


async def report(ctx: Context, *, campaign_id: int) -> tuple[str, str]:
    """(HTML, Markdown): rendered once at completion; before that, a live draft."""
    campaign = await visible_campaign(ctx, campaign_id)
    report = await campaign_report.report_of(ctx.session, campaign=campaign, tz=ctx.settings.tz)
    await ctx.session.commit()  # a stored report whose HTML was dropped has it stored again
    return report


async def report_pdf(ctx: Context, *, campaign_id: int) -> bytes:
    """The report (as `report`) printed to PDF, in a worker thread."""
    html, _ = await report(ctx, campaign_id=campaign_id)
    return await asyncio.to_thread(html_to_pdf, html, base_url=ctx.settings.public_base_url)


# ---- co-organisers (协同组织者) ------------------------------------------------------------


async def add_organiser(ctx: Context, *, campaign_id: int, user_id: int) -> list[CampaignOrganiserOut]:
    """The creator or an admin: a research staff member steers the campaign with her from now on."""
    campaign = await _organisers_chosen_by(ctx, campaign_id)
    await campaigns.add_organiser(ctx.session, campaign=campaign, user_id=user_id, by=ctx.user, now=ctx.now)
    await ctx.session.commit()
    return await campaigns.organisers(ctx.session, campaign_id=campaign_id)


async def remove_organiser(ctx: Context, *, campaign_id: int, user_id: int) -> None:
    """The creator or an admin: the co-organiser no longer steers it (she still reads it, as staff)."""
    await _organisers_chosen_by(ctx, campaign_id)
    await campaigns.remove_organiser(ctx.session, campaign_id=campaign_id, user_id=user_id)
    await ctx.session.commit()


# ---- problems and votes (teachers in scope, while problems are collected) ------------------


async def submit_problem(ctx: Context, *, campaign_id: int, data: ProblemIn) -> ProblemOut:
    campaign, member = await _member(ctx, campaign_id)
    problem = await campaigns.submit_problem(ctx.session, campaign_id=campaign.id, member=member, data=data)
    await ctx.session.commit()
    ctx.vectors.add(problem.id)
    return ProblemOut.model_validate(problem)


async def list_problems(ctx: Context, *, campaign_id: int, mine: bool = False, offset: int = 0,
                        limit: int = 50) -> Page[ProblemOut]:
    """The live problems, most voted first."""
    await visible_campaign(ctx, campaign_id)
    stmt = campaign_views.ranked_problems_query(campaign_id=campaign_id, author_user_id=ctx.user.id if mine else None)
    items, total = await page(ctx.session, stmt=stmt, offset=offset, limit=limit)
    return Page(items=[ProblemOut.model_validate(p) for p in items], total=total, offset=offset, limit=limit)


async def edit_problem(ctx: Context, *, campaign_id: int, problem_id: int, data: ProblemUpdate) -> ProblemOut:
    problem = await _own_problem(ctx, campaign_id, problem_id)
    await campaigns.edit_problem(ctx.session, problem=problem, data=data)
    await ctx.session.commit()
    ctx.vectors.add(problem.id)  # an unchanged text is encoded again, to the same vector
    return ProblemOut.model_validate(problem)


async def withdraw_problem(ctx: Context, *, campaign_id: int, problem_id: int) -> None:
    """Withdrawn problems stay for the record; their votes return to the voters' budgets."""
    problem = await _own_problem(ctx, campaign_id, problem_id)
    await campaigns.withdraw_problem(ctx.session, problem=problem, now=ctx.now)
    await ctx.session.commit()


async def vote(ctx: Context, *, campaign_id: int, problem_id: int) -> VoteOut:
    """One vote per problem, within the campaign's vote budget."""
    campaign, member = await _member(ctx, campaign_id)
    problem = await campaigns.get_problem(ctx.session, campaign_id=campaign_id, problem_id=problem_id)
    left = await campaigns.vote(ctx.session, problem=problem, member=member,
                                budget=campaigns.campaign_params(campaign).vote_budget)
    await ctx.session.commit()
    return VoteOut(problem_id=problem_id, votes_left=left)


async def similar_problems(ctx: Context, *, campaign_id: int, text: str) -> list[SimilarProblem]:
    """Whoever reads the campaign, while problems are collected: the live problems most like what is
    being written. Of another teacher's problem only its title, description and votes."""
    campaign = await visible_campaign(ctx, campaign_id)
    require(CampaignAction.find_similar, campaign.phase, campaign.step)
    found = await similar.similar_problems(ctx.session, campaign_id=campaign_id, text=text)
    voted = await campaign_views.voted_problem_ids(ctx.session, campaign_id=campaign_id, user_id=ctx.user.id)
    return [SimilarProblem(id=p.id, title=p.title, description=p.description, votes=p.votes,
                           mine=p.author_user_id == ctx.user.id, seconded=p.id in voted) for p in found]


async def second(ctx: Context, *, campaign_id: int, problem_id: int, data: SecondIn) -> SecondOut:
    """附议, a teacher acting (decision 1): her vote on the problem within the budget, and her words
    if she wrote some. Seconding again changes nothing but her words."""
    campaign, member = await _member(ctx, campaign_id)
    problem = await campaigns.get_problem(ctx.session, campaign_id=campaign_id, problem_id=problem_id)
    left, comment = await seconds.second(ctx.session, problem=problem, member=member, comment=data.comment,
                                         budget=campaigns.campaign_params(campaign).vote_budget)
    await ctx.session.commit()
    return SecondOut(problem_id=problem_id, votes_left=left, comment=comment)


async def unvote(ctx: Context, *, campaign_id: int, problem_id: int) -> None:
    await _member(ctx, campaign_id)
    problem = await campaigns.get_problem(ctx.session, campaign_id=campaign_id, problem_id=problem_id)
    await campaigns.unvote(ctx.session, problem=problem, user_id=ctx.user.id)
    await ctx.session.commit()


# ---- topics (staff confirm them once collection closed) ------------------------------------


async def topic_proposals(ctx: Context, *, campaign_id: int) -> list[TopicProposal]:
    await read_by_staff(ctx, campaign_id)
    return await campaign_views.topic_proposals(ctx.session, campaign_id)


async def merge_proposals(ctx: Context, *, campaign_id: int, data: ProposalsMerge) -> list[TopicProposal]:
    await steered_campaign(ctx, campaign_id)
    await proposals.merge(ctx.session, campaign_id=campaign_id, problem_ids=data.problem_ids)
    return await _shaped(ctx, campaign_id)


async def move_problem(ctx: Context, *, campaign_id: int, data: ProblemMove) -> list[TopicProposal]:
    await steered_campaign(ctx, campaign_id)
    await proposals.move(ctx.session, campaign_id=campaign_id, problem_id=data.problem_id,
                         to_problem_id=data.to_problem_id)
    return await _shaped(ctx, campaign_id)


async def split_proposal(ctx: Context, *, campaign_id: int, data: ProposalSplit) -> list[TopicProposal]:
    await steered_campaign(ctx, campaign_id)
    await proposals.split(ctx.session, campaign_id=campaign_id, problem_ids=data.problem_ids)
    return await _shaped(ctx, campaign_id)


async def _shaped(ctx: Context, campaign_id: int) -> list[TopicProposal]:
    await ctx.session.commit()
    return await campaign_views.topic_proposals(ctx.session, campaign_id)


async def confirm_topics(ctx: Context, *, campaign_id: int, topics: list[TopicIn]) -> list[TopicOut]:
    campaign = await steered_campaign(ctx, campaign_id)
    await campaigns.check_topics(ctx.session, campaign_id=campaign_id, topics=topics)
    await runs.confirm_topics(ctx.temporal, campaign, TopicsRequest(user_id=ctx.user.id, topics=topics))
    return await campaigns.topics_out(ctx.session, campaign_id)


async def list_topics(ctx: Context, *, campaign_id: int) -> list[TopicOut]:
    await visible_campaign(ctx, campaign_id)
    return await campaigns.topics_out(ctx.session, campaign_id)


# ---- trainings -----------------------------------------------------------------------------


async def schedule_training(ctx: Context, *, campaign_id: int, data: TrainingIn) -> Training:
    """A training for a topic; the run invites its participants and reminds them."""
    campaign = await steered_campaign(ctx, campaign_id)
    ref = await runs.schedule_training(ctx.temporal, campaign, TrainingRequest(user_id=ctx.user.id, training=data))
    return await ctx.session.get(Training, ref.id)


async def list_trainings(ctx: Context, *, campaign_id: int) -> list[Training]:
    await visible_campaign(ctx, campaign_id)
    return await campaign_views.trainings(ctx.session, campaign_id=campaign_id)


async def training_absentees(ctx: Context, *, campaign_id: int, training_id: int) -> dict[str, list[str]]:
    """Participants who did not check in, by school."""
    await read_by_staff(ctx, campaign_id)
    await get_training(ctx, training_id, campaign_id=campaign_id)
    return await campaign_flow.absentees_by_school(ctx.session, training_id=training_id)


async def check_in_training(ctx: Context, *, training_id: int) -> CheckIn:
    """Teachers in the campaign's scope, in the window around the training."""
    training = await get_training(ctx, training_id)
    await _member(ctx, training.campaign_id)
    campaign = await campaigns.get_campaign(ctx.session, training.campaign_id)
    checkin = await campaigns.check_in(ctx.session, training=training, user_id=ctx.user.id,
                                       params=campaigns.campaign_params(campaign), now=ctx.now, tz=ctx.settings.tz)
    await ctx.session.commit()
    return checkin


# ---- plans, stages, summaries (topic leads; staff decide) ----------------------------------


async def read_plan(ctx: Context, *, campaign_id: int, topic_id: int) -> PlanOut:
    await visible_campaign(ctx, campaign_id)
    await campaigns.get_topic(ctx.session, campaign_id=campaign_id, topic_id=topic_id)
    return await _plan_out(ctx, topic_id)


async def _plan_out(ctx: Context, topic_id: int) -> PlanOut:
    plan = await campaign_views.plan_out(ctx.session, topic_id)
    if plan is None:
        raise NotFound("方案 (plan of topic)", topic_id)
    return plan


async def submit_plan(ctx: Context, *, campaign_id: int, topic_id: int, data: PlanIn) -> PlanOut:
    """The topic lead submits (or resubmits after a return) the research plan."""
    campaign = await campaigns.get_campaign(ctx.session, campaign_id)
    await _led_topic(ctx, campaign_id, topic_id)
    await campaigns.check_plan(ctx.session, campaign_id=campaign_id, plan=data, now=ctx.now)
    await runs.submit_plan(ctx.temporal, campaign, PlanRequest(user_id=ctx.user.id, topic_id=topic_id, plan=data,
                                                               author_name=ctx.user.display_name))
    return await _plan_out(ctx, topic_id)


async def decide_plan(ctx: Context, *, campaign_id: int, topic_id: int, approve: bool, comment: str = "") -> PlanOut:
    """Staff approve (every stage's assignees get their tasks) or return it with a comment."""
    campaign = await steered_campaign(ctx, campaign_id)
    await campaigns.get_topic(ctx.session, campaign_id=campaign_id, topic_id=topic_id)
    await runs.decide_plan(ctx.temporal, campaign, VerdictRequest(user_id=ctx.user.id, topic_id=topic_id,
                                                                  comment=comment), approve=approve)
    return await _plan_out(ctx, topic_id)


async def mark_stage_done(ctx: Context, *, campaign_id: int, stage_id: int) -> PlanStage:
    """The lead marks a stage of the approved plan done; its open tasks stop being chased."""
    stage = await ctx.session.get(PlanStage, stage_id)
    plan = await ctx.session.get(Plan, stage.plan_id) if stage else None
    if plan is None or plan.campaign_id != campaign_id or plan.status != PlanStatus.approved:
        raise NotFound("已通过方案的阶段 (stage of an approved plan)", stage_id)
    await _led_topic(ctx, campaign_id, plan.topic_id)
    await campaigns.mark_stage_done(ctx.session, stage=stage, campaign_id=campaign_id, by=ctx.user.id, now=ctx.now)
    await ctx.session.commit()
    return stage


async def write_summary(ctx: Context, *, campaign_id: int, topic_id: int, data: SummaryIn) -> TopicOut:
    """The lead's summary for the report: what worked and what did not."""
    topic = await _led_topic(ctx, campaign_id, topic_id)
    await campaigns.write_summary(ctx.session, topic=topic, data=data, now=ctx.now)
    await ctx.session.commit()
    return next(t for t in await campaigns.topics_out(ctx.session, campaign_id) if t.id == topic_id)


# ---- tasks and reflections (teachers) ------------------------------------------------------


async def my_tasks(ctx: Context) -> list[Task]:
    """Open tasks of every campaign, soonest due first."""
    policy.require_teacher(ctx.user)
    return list(await campaigns.open_tasks(ctx.session, user_id=ctx.user.id))


async def deliver_task(ctx: Context, *, task_id: int, data: DeliveryIn) -> Task:
    """Delivering again replaces the summary and links (a better recording, a fixed link)."""
    task = await _own_task(ctx, task_id)
    await campaigns.deliver(ctx.session, task=task, data=data, now=ctx.now)
    await ctx.session.commit()
    return task


async def reflect(ctx: Context, *, campaign_id: int, data: ReflectionIn) -> Reflection:
    """One reflection each, in the reflect phase; writing again replaces it."""
    await _member(ctx, campaign_id)
    reflection = await campaigns.reflect(ctx.session, campaign_id=campaign_id, user_id=ctx.user.id, data=data)
    await ctx.session.commit()
    return reflection


# ---- steering the phases (staff) -----------------------------------------------------------


async def close_phase(ctx: Context, *, campaign_id: int, data: CloseIn) -> PhaseChange:
    """Close the phase the caller saw (by default the one the campaign is in) now; answers where
    the campaign moved to. A phase that has already ended is not closed again: 409 naming the
    phase the campaign is in."""
    campaign = await steered_campaign(ctx, campaign_id)
    request = CloseRequest(user_id=ctx.user.id, phase=data.phase or Phase(campaign.phase))
    return await runs.close_phase(ctx.temporal, campaign, request)


async def extend_phase(ctx: Context, *, campaign_id: int, data: ExtendIn) -> PhaseChange:
    """Move the deadline the caller saw later (by default the current one); reminders re-arm for
    it. If the phase or the deadline changed meanwhile: 409."""
    campaign = await steered_campaign(ctx, campaign_id)
    request = ExtendRequest(user_id=ctx.user.id, until=data.until, phase=data.phase or Phase(campaign.phase),
                            seen_deadline=data.deadline or campaign.deadline)
    return await runs.extend_phase(ctx.temporal, campaign, request)


async def cancel(ctx: Context, *, campaign_id: int, reason: str) -> PhaseChange:
    """Cancel with a reason; everyone in scope is told."""
    campaign = await steered_campaign(ctx, campaign_id)
    return await runs.cancel(ctx.temporal, campaign, CancelRequest(user_id=ctx.user.id, reason=reason))
