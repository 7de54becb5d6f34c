"""What the API answers and the console shows about a campaign, read once here for both."""

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.campaigns.api import (
    CampaignDetail, CampaignOut, PlanOut, ProposalMember, StageOut, TaskOut, ThemeOut, TopicProposal,
)
from contracts.campaigns.history import Phase
from contracts.directory.api import Role
from models import Campaign, Plan, PlanStage, Problem, Reflection, Teacher, TopicProposalRow, Training, User, Vote
from services.campaigns import audiences as campaign_audiences
from services.campaigns import seconds, themes
from services.campaigns import service as campaigns

# Who has not acted yet in each phase: the same queries the reminders are sent to. Training
# attendance is per training, so the train phase has none for the campaign as a whole.
NOT_ACTED = {Phase.collect_topics: campaign_audiences.not_submitted, Phase.design_plan: campaign_audiences.plan_missing,
             Phase.practise: campaign_audiences.undelivered, Phase.reflect: campaign_audiences.not_reflected}


async def campaign_out(session: AsyncSession, campaign: Campaign) -> CampaignOut:
    return CampaignOut.model_validate(
        {**{k: getattr(campaign, k) for k in CampaignOut.model_fields if k != "deadlines"},
         "deadlines": await campaigns.phase_windows(session, campaign.id)})


async def campaign_detail(session: AsyncSession, campaign: Campaign, *, user_id: int) -> CampaignDetail:
    """Phase, deadlines, counts per phase, topics; the asking user's own open tasks."""
    counts = await campaigns.board_counts(session, campaign.id)
    return CampaignDetail(
        **(await campaign_out(session, campaign)).model_dump(),
        organisers=await campaigns.organisers(session, campaign_id=campaign.id),
        members=counts.members, problems=counts.problems, votes=counts.votes,
        counts=counts.phases, topics=await campaigns.topics_out(session, campaign.id),
        my_tasks=[TaskOut.model_validate(t) for t in await campaigns.open_tasks(
            session, user_id=user_id, campaign_id=campaign.id)],
    )


async def topic_proposals(session: AsyncSession, campaign_id: int) -> list[TopicProposal]:
    """The groups proposed when collection closed (as staff have shaped them), with their problems'
    titles, nearest neighbours and what seconding teachers added, and the named theme each came from."""
    rows = (await session.scalars(select(TopicProposalRow).where(TopicProposalRow.campaign_id == campaign_id)
                                  .order_by(TopicProposalRow.rank))).all()
    titles = dict((await session.execute(select(Problem.id, Problem.title).where(
        Problem.campaign_id == campaign_id))).all())
    comments = await seconds.comments(session, campaign_id=campaign_id)
    named = {t.id: ThemeOut.model_validate(t) for t in await themes.themes_of(session, campaign_id=campaign_id)}
    return [TopicProposal(rank=r.rank, suggested_title=r.suggested_title, problem_ids=r.problem_ids,
                          problems=[ProposalMember(problem_id=p, title=titles.get(p, ""), neighbours=near,
                                                   comments=comments.get(p, []))
                                    for p, near in zip(r.problem_ids, r.neighbours or [[] for _ in r.problem_ids])],
                          votes=r.votes, teachers=r.teachers, schools=r.schools, shared_terms=r.shared_terms,
                          theme=named.get(r.theme_id))
            for r in rows]


async def plan_out(session: AsyncSession, topic_id: int) -> PlanOut | None:
    """The topic's plan with its stages, or None before the lead submits one."""
    # The workflow's activity wrote it in another session: reload these rows (and only these,
    # so the caller's user and campaign stay loaded for its page).
    fresh = {"populate_existing": True}
    plan = await session.scalar(select(Plan).where(Plan.topic_id == topic_id).execution_options(**fresh))
    if plan is None:
        return None
    stages = await session.scalars(select(PlanStage).where(PlanStage.plan_id == plan.id)
                                   .order_by(PlanStage.position).execution_options(**fresh))
    return PlanOut(topic_id=topic_id, goal=plan.goal, version=plan.version, status=plan.status, comment=plan.comment,
                   submitted_at=plan.submitted_at, stages=[StageOut.model_validate(s) for s in stages])


async def user_names(session: AsyncSession, user_ids) -> dict[int, str]:
    rows = await session.execute(select(User.id, User.display_name).where(User.id.in_(set(user_ids))))
    return dict(rows.all())


async def active_staff(session: AsyncSession) -> list[tuple[int, str]]:
    """(id, name) of the research staff in service: whom a campaign's creator may add to steer it."""
    rows = await session.execute(select(User.id, User.display_name).where(User.role == Role.staff, User.active)
                                 .order_by(User.display_name, User.id))
    return [tuple(row) for row in rows]


async def not_acted(session: AsyncSession, campaign: Campaign, *, limit: int = 50) -> tuple[list[str], int] | None:
    """Names (at most `limit`) of those who have not acted yet in the current phase, and how many
    there are; None when the phase has no such list."""
    query = NOT_ACTED.get(Phase(campaign.phase))
    if query is None:
        return None
    user_ids = await query(session, campaign_id=campaign.id)
    names = await user_names(session, user_ids[:limit])
    return [names[u] for u in user_ids[:limit] if u in names], len(user_ids)


async def user_ids_by_code(session: AsyncSession, codes: list[str]) -> dict[str, int]:
    """Logins by 工号 (a teacher's staff number) or by username (staff have no 工号)."""
    rows = await session.execute(
        select(Teacher.staff_no, User.username, User.id).join(Teacher, Teacher.user_id == User.id, isouter=True)
        .where(or_(Teacher.staff_no.in_(codes), User.username.in_(codes))))
    found: dict[str, int] = {}
    for staff_no, username, user_id in rows:
        for code in (staff_no, username):
            if code in codes:
                found[code] = user_id
    return found


async def user_codes(session: AsyncSession, user_ids) -> dict[int, str]:
    """The other way round: 工号 where there is one, else the username."""
    rows = await session.execute(
        select(User.id, Teacher.staff_no, User.username).join(Teacher, Teacher.user_id == User.id, isouter=True)
        .where(User.id.in_(set(user_ids))))
    return {user_id: staff_no or username for user_id, staff_no, username in rows}


# ---- what the console's pages and the API's lists read --------------------------------------


async def latest_campaigns(session: AsyncSession, *, member_user_id: int | None, status: str | None = None,
                           limit: int | None) -> list[Campaign]:
    """Newest first: every campaign (member_user_id None, for staff) or those a teacher is in."""
    stmt = campaigns.campaigns_query(status=status, phase=None, subject=None, cluster_id=None,
                                     member_user_id=member_user_id)
    return list(await session.scalars(stmt.limit(limit)))


async def campaign_titles(session: AsyncSession, *, campaign_ids: set[int]) -> dict[int, str]:
    return dict((await session.execute(select(Campaign.id, Campaign.title).where(Campaign.id.in_(campaign_ids)))).all())


def ranked_problems_query(*, campaign_id: int, author_user_id: int | None = None) -> Select[tuple[Problem]]:
    """The live problems, most voted first; with an author, only hers."""
    stmt = campaigns.live_problems(campaign_id).order_by(Problem.votes.desc(), Problem.id)
    return stmt if author_user_id is None else stmt.where(Problem.author_user_id == author_user_id)


async def ranked_problems(session: AsyncSession, *, campaign_id: int) -> list[Problem]:
    return list(await session.scalars(ranked_problems_query(campaign_id=campaign_id)))


async def problem_authors(session: AsyncSession, *, campaign_id: int) -> dict[int, int]:
    """Author by problem id, withdrawn problems included (proposals may still name them)."""
    return dict((await session.execute(select(Problem.id, Problem.author_user_id).where(
        Problem.campaign_id == campaign_id))).all())


async def voted_problem_ids(session: AsyncSession, *, campaign_id: int, user_id: int) -> set[int]:
    return set(await session.scalars(select(Vote.problem_id).where(Vote.campaign_id == campaign_id,
                                                                   Vote.user_id == user_id)))


async def trainings(session: AsyncSession, *, campaign_id: int) -> list[Training]:
    """The campaign's trainings, soonest first."""
    return list(await session.scalars(select(Training).where(Training.campaign_id == campaign_id)
                                       .order_by(Training.starts_at)))


async def reflection_of(session: AsyncSession, *, campaign_id: int, user_id: int) -> Reflection | None:
    return await session.scalar(select(Reflection).where(Reflection.campaign_id == campaign_id,
                                                         Reflection.user_id == user_id))
