"""Seconding (附议): a teacher who finds her problem already raised adds her vote to it, and
optionally her own words, instead of writing it again. It is a vote (within her budget, refused
past it with the vote's own 409), so the votes that decide the topics are not split between
near-copies; her words are kept for the staff who read the problem, and she counts among the
teachers concerned in the proposal's ranking (services/campaigns/topic_proposals.py)."""

from collections import defaultdict

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.campaigns.phase_rules import CampaignAction
from models import CampaignMember, Problem, ProblemSecond
from services.campaigns.service import cast_vote, phase_guard, votes_left


async def second(session: AsyncSession, *, problem: Problem, member: CampaignMember, budget: int,
                 comment: str) -> tuple[int, str]:
    """Idempotent: seconding again takes no second vote (nor does seconding what she voted for
    already); new words replace hers, none keep them. Returns her votes left and her words."""
    async with phase_guard(session, problem.campaign_id, CampaignAction.second):
        await cast_vote(session, problem=problem, member=member)
        insert_ = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
        await session.execute(insert_(ProblemSecond).values(
            problem_id=problem.id, user_id=member.user_id, campaign_id=problem.campaign_id, comment=comment)
            .on_conflict_do_nothing(index_elements=[ProblemSecond.problem_id, ProblemSecond.user_id]))
        hers = (ProblemSecond.problem_id == problem.id) & (ProblemSecond.user_id == member.user_id)
        if comment:
            await session.execute(update(ProblemSecond).where(hers).values(comment=comment))
        left = await votes_left(session, campaign_id=problem.campaign_id, member=member, budget=budget)
        kept = await session.scalar(select(ProblemSecond.comment).where(hers))
    return left, kept


async def seconders(session: AsyncSession, *, campaign_id: int) -> dict[int, set[int]]:
    """Who seconded each problem of the campaign."""
    rows = await session.execute(select(ProblemSecond.problem_id, ProblemSecond.user_id)
                                 .where(ProblemSecond.campaign_id == campaign_id))
    found: dict[int, set[int]] = defaultdict(set)
    for problem_id, user_id in rows:
        found[problem_id].add(user_id)
    return found


async def comments(session: AsyncSession, *, campaign_id: int) -> dict[int, list[str]]:
    """What seconding teachers added, by problem, oldest first (no names: staff read the words)."""
    rows = await session.execute(select(ProblemSecond.problem_id, ProblemSecond.comment)
                                 .where(ProblemSecond.campaign_id == campaign_id, ProblemSecond.comment != "")
                                 .order_by(ProblemSecond.created_at, ProblemSecond.user_id))
    found: dict[int, list[str]] = defaultdict(list)
    for problem_id, comment in rows:
        found[problem_id].append(comment)
    return found
