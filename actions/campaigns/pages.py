"""What the console's campaign pages show, read with the same checks as the actions, and which
actions each page may offer this user now (`_offers`): her parts in the campaign (one who steers
it, a teacher in scope, a topic's lead) meet the phase-rule table, which says which part may take
which action in which phase, so a button appears exactly when the action behind it would be
accepted."""

from dataclasses import dataclass, field
from datetime import datetime

from actions import policy
from actions.campaigns.actions import (
    NOT_IN_SCOPE, get_training, may_choose_organisers, may_steer, steered_campaign, visible_campaign,
)
from actions.context import Context
from contracts.campaigns import phase_rules
from contracts.campaigns.api import CampaignDetail, PlanOut, ThemeOut, TopicProposal
from contracts.campaigns.history import PHASE_LABELS, PlanStatus
from contracts.campaigns.phase_rules import CampaignAction as A
from contracts.campaigns.phase_rules import Part
from contracts.directory.api import GradeBand
from contracts.errors import Forbidden
from models import Campaign, CheckIn, Problem, Reflection, Task, Topic, Training
from notifications import inbox
from services import charts
from services.campaigns import themes
from services.campaigns import views as campaign_views
from services.campaigns import service as campaigns
from services.directory import service as directory

async def _offers(ctx: Context, campaign: Campaign, *, topic: Topic | None = None) -> frozenset[A]:
    """What this user may do on the campaign now. A member holds the author's part too: the pages
    show those actions on her own problems only. The lead's part is on the page's topic."""
    parts = {Part.steers} if await may_steer(ctx, campaign) else set()
    if policy.is_staff(ctx.user):
        parts.add(Part.reads)
    if await _is_member(ctx, campaign.id):
        parts |= {Part.member, Part.author, Part.reads}
    if topic is not None and topic.lead_user_id == ctx.user.id:
        parts.add(Part.lead)
    return phase_rules.allowed_now(campaign.phase, campaign.step, parts)


async def _is_member(ctx: Context, campaign_id: int) -> bool:
    if policy.is_staff(ctx.user):
        return False  # staff steer campaigns; only teachers take part in them
    return await campaigns.member_of(ctx.session, campaign_id=campaign_id, user_id=ctx.user.id) is not None


async def _member_campaign(ctx: Context, campaign_id: int) -> Campaign:
    campaign = await visible_campaign(ctx, campaign_id)
    if not await _is_member(ctx, campaign_id):
        raise Forbidden(NOT_IN_SCOPE)
    return campaign


# ---- lists and the launch form -------------------------------------------------------------


async def campaign_list(ctx: Context, *, limit: int = 200) -> list[Campaign]:
    return await campaign_views.latest_campaigns(
        ctx.session, member_user_id=None if policy.is_staff(ctx.user) else ctx.user.id, limit=limit)


@dataclass
class LaunchForm:
    clusters: list[tuple[int, str]]
    grade_bands: list[tuple[str, str]]


async def launch_form(ctx: Context) -> LaunchForm:
    policy.require_staff(ctx.user)
    return LaunchForm(clusters=await directory.cluster_choices(ctx.session),
                      grade_bands=[("", "不限")] + [(b.value, b.value) for b in GradeBand])


# ---- a campaign's page ---------------------------------------------------------------------


@dataclass
class Problems:
    problems: list[Problem]
    voted: set[int]
    authors: dict[int, str]


async def _problems(ctx: Context, campaign_id: int) -> Problems:
    """The live problems, most voted first, with what this user voted for."""
    rows = await campaign_views.ranked_problems(ctx.session, campaign_id=campaign_id)
    voted = await campaign_views.voted_problem_ids(ctx.session, campaign_id=campaign_id, user_id=ctx.user.id)
    authors = await campaign_views.user_names(ctx.session, {p.author_user_id for p in rows})
    return Problems(problems=rows, voted=voted, authors=authors)


@dataclass
class CampaignPage:
    campaign: CampaignDetail
    deadline: datetime | None
    offers: frozenset[A]
    trainings: list[Training]
    leads: dict[int, str]
    staff_view: bool  # the staff's board, else what a teacher in scope can do now
    workflow_id: str  # its run, for the run's page
    creator: str
    organiser_choices: list[tuple[int, str]] | None  # staff who may be added, for the creator or an admin
    not_acted: tuple[list[str], int] | None = None
    problems: Problems | None = None
    votes_left: int = 0
    themes: list[ThemeOut] = field(default_factory=list)  # named for the grouping (staff)
    phase_chart: charts.Chart | None = None  # the phases' table as a chart (staff)


def progress_chart(detail: CampaignDetail) -> charts.Chart:
    """Each phase's share of the campaign's people who have done its part, per cent."""
    return charts.bars("各阶段完成率（%）", [PHASE_LABELS[c.phase] for c in detail.counts], {
        "已完成": [round(100 * c.acted / (c.acted + c.not_acted), 1) if c.acted + c.not_acted else 0.0
                   for c in detail.counts]})


async def campaign_page(ctx: Context, *, campaign_id: int) -> CampaignPage:
    campaign = await visible_campaign(ctx, campaign_id)
    detail = await campaign_views.campaign_detail(ctx.session, campaign, user_id=ctx.user.id)
    page = CampaignPage(
        campaign=detail, deadline=campaign.deadline, staff_view=policy.is_staff(ctx.user),
        workflow_id=campaign.workflow_id,
        offers=await _offers(ctx, campaign),
        creator=(await campaign_views.user_names(ctx.session, {campaign.created_by})).get(campaign.created_by, ""),
        organiser_choices=await _organiser_choices(ctx, campaign, detail),
        trainings=await campaign_views.trainings(ctx.session, campaign_id=campaign_id),
        leads=await campaign_views.user_names(ctx.session, {t.lead_user_id for t in detail.topics}),
    )
    if page.staff_view:
        page.not_acted = await campaign_views.not_acted(ctx.session, campaign)
        page.phase_chart = progress_chart(detail)
        page.themes = [ThemeOut.model_validate(t) for t in await themes.themes_of(ctx.session, campaign_id=campaign_id)]
    else:
        page.problems = await _problems(ctx, campaign_id)
        page.votes_left = campaigns.campaign_params(campaign).vote_budget - len(page.problems.voted)
    return page


async def _organiser_choices(ctx: Context, campaign: Campaign, detail: CampaignDetail
                             ) -> list[tuple[int, str]] | None:
    if not may_choose_organisers(ctx, campaign):
        return None
    taken = {campaign.created_by} | {o.user_id for o in detail.organisers}
    return [(user_id, name) for user_id, name in await campaign_views.active_staff(ctx.session) if user_id not in taken]


@dataclass
class ProblemsPage:
    campaign: Campaign
    offers: frozenset[A]
    listing: Problems


async def problems_page(ctx: Context, *, campaign_id: int) -> ProblemsPage:
    campaign = await visible_campaign(ctx, campaign_id)
    return ProblemsPage(campaign=campaign, offers=await _offers(ctx, campaign), listing=await _problems(ctx, campaign_id))


async def problem_form(ctx: Context, *, campaign_id: int, problem_id: int | None = None
                       ) -> tuple[Campaign, Problem | None]:
    """The campaign (for a teacher in scope) and, to edit, her own problem."""
    campaign = await _member_campaign(ctx, campaign_id)
    if problem_id is None:
        return campaign, None
    problem = await campaigns.get_problem(ctx.session, campaign_id=campaign_id, problem_id=problem_id)
    if problem.author_user_id != ctx.user.id:
        raise Forbidden("只能修改自己提交的问题 (only the author may change a problem)")
    return campaign, problem


# ---- topics, plans, trainings, reflections --------------------------------------------------


@dataclass
class ProposalsPage:
    campaign: Campaign
    proposals: list[TopicProposal]
    lead_choices: dict[int, list[tuple[int, str]]]  # per proposal rank: its authors, then me
    offers: frozenset[A]  # for those who steer it: confirming, and shaping the proposals while deciding


async def proposals_page(ctx: Context, *, campaign_id: int) -> ProposalsPage:
    policy.require_staff(ctx.user)
    campaign = await campaigns.get_campaign(ctx.session, campaign_id)
    proposals = await campaign_views.topic_proposals(ctx.session, campaign_id)
    author_of = await campaign_views.problem_authors(ctx.session, campaign_id=campaign_id)
    authors = {p.rank: list(dict.fromkeys(author_of[i] for i in p.problem_ids if i in author_of)) for p in proposals}
    names = await campaign_views.user_names(ctx.session, {u for ids in authors.values() for u in ids})
    me = (ctx.user.id, f"{ctx.user.display_name}（我）")
    return ProposalsPage(campaign=campaign, proposals=proposals,
                         offers=await _offers(ctx, campaign),
                         lead_choices={rank: [(u, names.get(u, str(u))) for u in ids] + [me]
                                       for rank, ids in authors.items()})


async def proposals_to_confirm(ctx: Context, *, campaign_id: int) -> list[TopicProposal]:
    """The proposals the confirm form chose from, for those who steer the campaign."""
    await steered_campaign(ctx, campaign_id)
    return await campaign_views.topic_proposals(ctx.session, campaign_id)


@dataclass
class PlanPage:
    campaign: Campaign
    topic: Topic
    plan: PlanOut | None
    names: dict[int, str]
    codes: dict[int, str]  # assignees' 工号 (or usernames), to fill the stages form
    can_write: bool  # the lead, while the plan is not approved
    can_decide: bool  # those who steer it, while a plan awaits a decision
    can_mark_done: bool  # the lead, on an approved plan's open stages
    can_summarise: bool
    summary: dict[str, str] = field(default_factory=dict)


async def plan_page(ctx: Context, *, campaign_id: int, topic_id: int) -> PlanPage:
    campaign = await visible_campaign(ctx, campaign_id)
    topic = await campaigns.get_topic(ctx.session, campaign_id=campaign_id, topic_id=topic_id)
    plan = await campaign_views.plan_out(ctx.session, topic_id)
    assignees = {u for s in plan.stages for u in s.assignee_user_ids} if plan else set()
    offers = await _offers(ctx, campaign, topic=topic)
    status = topic.plan_status
    return PlanPage(
        campaign=campaign, topic=topic, plan=plan,
        names=await campaign_views.user_names(ctx.session, assignees | {topic.lead_user_id}),
        codes=await campaign_views.user_codes(ctx.session, assignees),
        can_write=A.submit_plan in offers and status != PlanStatus.approved,
        can_decide=A.decide_plan in offers and status == PlanStatus.submitted,
        can_mark_done=A.mark_stage_done in offers and status == PlanStatus.approved,
        can_summarise=A.write_summary in offers,
        summary={"worked": topic.summary_worked or "", "did_not_work": topic.summary_did_not_work or ""},
    )


async def logins_by_code(ctx: Context, *, codes: list[str]) -> dict[str, int]:
    """User ids by 工号 or username: how a lead names a stage's assignees in the plan form."""
    return await campaign_views.user_ids_by_code(ctx.session, codes)


@dataclass
class TrainingPage:
    campaign: Campaign
    training: Training
    topic: Topic | None
    opens: datetime
    closes: datetime
    checked: CheckIn | None
    can_check_in: bool


async def training_page(ctx: Context, *, campaign_id: int, training_id: int) -> TrainingPage:
    campaign = await visible_campaign(ctx, campaign_id)
    training = await get_training(ctx, training_id, campaign_id=campaign_id)
    window = campaigns.checkin_window(training, campaigns.campaign_params(campaign))
    checked = await ctx.session.get(CheckIn, (training_id, ctx.user.id))
    return TrainingPage(
        campaign=campaign, training=training, topic=await ctx.session.get(Topic, training.topic_id),
        opens=window.opens, closes=window.closes, checked=checked,
        can_check_in=(A.check_in in await _offers(ctx, campaign) and checked is None and window.is_open(ctx.now)),
    )


@dataclass
class TrainingForm:
    campaign: Campaign
    topics: list[tuple[int, str]]


async def training_form(ctx: Context, *, campaign_id: int) -> TrainingForm:
    campaign = await steered_campaign(ctx, campaign_id)
    topics = await campaigns.topics_out(ctx.session, campaign_id)
    return TrainingForm(campaign=campaign, topics=[(t.id, t.title) for t in topics])


@dataclass
class ReflectionForm:
    campaign: Campaign
    mine: Reflection | None
    topics: list[tuple[int | str, str]]


async def reflection_form(ctx: Context, *, campaign_id: int) -> ReflectionForm:
    campaign = await _member_campaign(ctx, campaign_id)
    mine = await campaign_views.reflection_of(ctx.session, campaign_id=campaign_id, user_id=ctx.user.id)
    topics = await campaigns.topics_out(ctx.session, campaign_id)
    return ReflectionForm(campaign=campaign, mine=mine,
                          topics=[("", "（不限专题）")] + [(t.id, t.title) for t in topics])


# ---- a teacher's own page ------------------------------------------------------------------


@dataclass
class MyWork:
    tasks: list[Task]
    titles: dict[int, str]  # campaign titles of the tasks
    unread: int = 0
    campaigns: list[Campaign] = field(default_factory=list)


async def my_work(ctx: Context, *, with_campaigns: bool = False) -> MyWork:
    """Open tasks with their campaigns' titles; for the home page also unread notices and the
    running campaigns she is in."""
    tasks = list(await campaigns.open_tasks(ctx.session, user_id=ctx.user.id))
    titles = await campaign_views.campaign_titles(ctx.session, campaign_ids={t.campaign_id for t in tasks})
    work = MyWork(tasks=tasks, titles=titles)
    if with_campaigns:
        work.unread = await inbox.unread_count(ctx.session, user_id=ctx.user.id)
        work.campaigns = await campaign_views.latest_campaigns(ctx.session, member_user_id=ctx.user.id,
                                                               status="running", limit=None)
    return work
