"""Topic proposals: made when collection closes (grouping the live problems by their stored vectors,
gathering those clearly about a theme staff named), then shaped by staff while they decide: merge
two, move a problem, split one. Every change is explained and ranked the same way as the
grouping's own proposals, and a proposal made for a named theme stays that theme's through them."""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.campaigns.phase_rules import CampaignAction
from contracts.errors import InvalidField, NotFound
from models import Problem, TopicProposalRow
from services import sentence_vectors
from services.campaigns import problem_vectors, seconds, themes
from services.campaigns.service import live_problems, phase_guard
from services.campaigns.theme_grouping import Theme, group_with_themes
from services.campaigns.topic_grouping import Group, Item, describe, rank


async def _items(session: AsyncSession, campaign_id: int, problems: Sequence[Problem]) -> list[Item]:
    vectors = await problem_vectors.vectors_of(session, campaign_id=campaign_id, problems=problems)
    seconded = await seconds.seconders(session, campaign_id=campaign_id)
    return [Item(id=p.id, text=problem_vectors.text_of(p), vector=vectors[p.id], title=p.title, votes=p.votes,
                 author=p.author_user_id, school=p.school_id, seconders=frozenset(seconded.get(p.id, ())))
            for p in problems]


async def _themes(session: AsyncSession, campaign_id: int) -> list[Theme]:
    named = await themes.themes_of(session, campaign_id=campaign_id)
    texts = [sentence_vectors.problem_text(t.title, t.line, []) for t in named]
    vectors = await asyncio.to_thread(sentence_vectors.encode, texts)
    return [Theme(id=t.id, text=text, vector=vector) for t, text, vector in zip(named, texts, vectors)]


def _row(campaign_id: int, rank_: int, group: Group, title: str) -> TopicProposalRow:
    return TopicProposalRow(
        campaign_id=campaign_id, rank=rank_, suggested_title=title,
        problem_ids=[m.id for m in group.members], neighbours=[group.neighbours[m.id] for m in group.members],
        votes=group.votes, teachers=group.teachers, schools=group.schools, shared_terms=group.shared_terms,
        theme_id=group.theme_id)


async def _replace(session: AsyncSession, campaign_id: int, groups: list[Group]) -> None:
    """A named theme's proposal is called by the theme's title, the grouping's by its most voted problem."""
    titles = {t.id: t.title for t in await themes.themes_of(session, campaign_id=campaign_id)}
    await session.execute(delete(TopicProposalRow).where(TopicProposalRow.campaign_id == campaign_id))
    session.add_all(_row(campaign_id, n, g, titles.get(g.theme_id, g.members[0].title))
                    for n, g in enumerate(rank(groups), start=1))
    await session.flush()


async def propose(session: AsyncSession, *, campaign_id: int) -> dict[str, int]:
    """Group the live problems and store the proposals (once: a retry finds them stored).
    Returns how many problems and proposed topics, for the staff's notice."""
    problems = (await session.scalars(live_problems(campaign_id))).all()
    stored = len((await session.scalars(select(TopicProposalRow.id).where(
        TopicProposalRow.campaign_id == campaign_id))).all())
    if stored:
        return {"problems": len(problems), "topics": stored}
    items = await _items(session, campaign_id, problems)
    named = await _themes(session, campaign_id)
    # CPU-bound (a second or more for a county): off the event loop, so the worker keeps heartbeating.
    groups = await asyncio.to_thread(group_with_themes, items, named)
    await _replace(session, campaign_id, groups)
    return {"problems": len(problems), "topics": len(groups)}


@dataclass
class _Proposal:
    ids: list[int]
    theme_id: int | None = None


async def _current(session: AsyncSession, campaign_id: int) -> list[_Proposal]:
    rows = await session.scalars(select(TopicProposalRow).where(TopicProposalRow.campaign_id == campaign_id)
                                 .order_by(TopicProposalRow.rank))
    return [_Proposal(list(r.problem_ids), r.theme_id) for r in rows]


def _holding(proposals: list[_Proposal], problem_id: int) -> _Proposal:
    """The proposal that holds the problem: staff name proposals by a problem in them, which stays
    true while ranks change under another staff member's edit."""
    for proposal in proposals:
        if problem_id in proposal.ids:
            return proposal
    raise NotFound("专题建议中的问题 (problem in a proposal)", problem_id)


async def _reshape(session: AsyncSession, campaign_id: int, proposals: list[_Proposal]) -> None:
    """Store the proposals as staff shaped them, each explained again from its members."""
    problems = (await session.scalars(live_problems(campaign_id).where(
        Problem.id.in_([p for proposal in proposals for p in proposal.ids])))).all()
    by_id = {item.id: item for item in await _items(session, campaign_id, problems)}
    await _replace(session, campaign_id, [describe([by_id[p] for p in proposal.ids], proposal.theme_id)
                                          for proposal in proposals if proposal.ids])


async def merge(session: AsyncSession, *, campaign_id: int, problem_ids: list[int]) -> None:
    """The proposals holding these problems become one: a named theme's, if one of them was (the
    first named)."""
    async with phase_guard(session, campaign_id, CampaignAction.merge_proposals):
        proposals = await _current(session, campaign_id)
        chosen = {id(proposal): proposal for proposal in (_holding(proposals, p) for p in problem_ids)}
        if len(chosen) < 2:
            raise InvalidField("problem_ids", "请选择至少两个专题建议 (choose problems of at least two proposals)")
        theme_id = next((p.theme_id for p in chosen.values() if p.theme_id is not None), None)
        merged = _Proposal([p for proposal in chosen.values() for p in proposal.ids], theme_id)
        await _reshape(session, campaign_id, [merged] + [p for p in proposals if id(p) not in chosen])


async def move(session: AsyncSession, *, campaign_id: int, problem_id: int, to_problem_id: int | None) -> None:
    """Move one problem into the proposal holding `to_problem_id`, or into one of its own (None)."""
    async with phase_guard(session, campaign_id, CampaignAction.move_problem):
        proposals = await _current(session, campaign_id)
        source = _holding(proposals, problem_id)
        target = _Proposal([]) if to_problem_id is None else _holding(proposals, to_problem_id)
        if target is not source:
            source.ids.remove(problem_id)
            target.ids.append(problem_id)
        await _reshape(session, campaign_id, proposals + ([target] if to_problem_id is None else []))


async def split(session: AsyncSession, *, campaign_id: int, problem_ids: list[int]) -> None:
    """The listed problems, all of one proposal, leave it and become a proposal of their own (of no
    named theme: the theme stays with the proposal they left)."""
    async with phase_guard(session, campaign_id, CampaignAction.split_proposal):
        proposals = await _current(session, campaign_id)
        leaving = set(problem_ids)
        source = _holding(proposals, problem_ids[0]) if problem_ids else _Proposal([])
        if not leaving or not leaving < set(source.ids):
            raise InvalidField("problem_ids", "请选择同一建议中的部分问题 (choose some, not all, problems of one proposal)")
        source.ids[:] = [p for p in source.ids if p not in leaving]
        await _reshape(session, campaign_id, proposals + [_Proposal(sorted(leaving))])
