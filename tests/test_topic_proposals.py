"""Topic proposals on the time-skipping server: a campaign with a few hundred problems closes its
collection and proposals appear, covering every problem once, explained; staff merge, move and
split them while deciding, and are refused with 409 naming the phase before and after."""

import re
from datetime import timedelta

from sqlalchemy import select

from benchmarks.big_county import add_teachers
from contracts.campaigns.api import ProblemIn
from contracts.campaigns.history import Phase
from models import Campaign, CampaignMember, Cluster, Problem, ProblemVector
from services.campaigns import service as campaigns
from tests import grouping_eval
from tests.campaign_helpers import (  # noqa: F401  the fixtures: settings, vapi, login
    API, eventually, iso, login, settings, vapi,
)
from tests.conftest import console_login

DAY = timedelta(days=1)


async def _reached(session_factory, campaign_id: int, phase: str, step: str = "open") -> None:
    async def reached():
        async with session_factory() as session:
            campaign = await session.get(Campaign, campaign_id)
            return (str(campaign.phase), str(campaign.step)) == (phase, step)

    await eventually(reached)


async def _submit_all(session_factory, campaign_id: int) -> int:
    """The evaluation and development sets, one problem per teacher, through the service the API calls."""
    problems = grouping_eval.load() + grouping_eval.load(grouping_eval.DEV)
    async with session_factory() as session:
        members = list(await session.scalars(select(CampaignMember).where(CampaignMember.campaign_id == campaign_id)
                                             .order_by(CampaignMember.user_id)))
        for member, p in zip(members, problems):
            await campaigns.submit_problem(session, campaign_id=campaign_id, member=member, data=ProblemIn(
                title=p.title, description=p.description, tags=p.tags))
        await session.commit()
    return len(problems)


async def _shape(vapi, base: str, staff: dict, how: str, body: dict):
    return await vapi.post(f"{base}/topic-proposals/{how}", json=body, headers=staff)


async def _refused_in(vapi, base: str, staff: dict, problem_id: int, phase: str) -> None:
    """Refused with 409 naming the phase, through the API and through the console's forms."""
    forms = {"merge": {"problem_ids": [problem_id, problem_id + 1]}, "move": {"problem_id": problem_id},
             "split": {"problem_ids": [problem_id]}}
    for how, body in forms.items():
        answer = await _shape(vapi, base, staff, how, body)
        assert answer.status_code == 409 and answer.json()["phase"] == phase, (how, answer.text)
    campaign_id = base.rsplit("/", 1)[1]
    await console_login(vapi, "staff01", "demo-pass")
    html = (await vapi.get(f"/console/campaigns/{campaign_id}")).text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', html).group(1)
    for how, body in forms.items():
        answer = await vapi.post(f"/console/campaigns/{campaign_id}/topic-proposals/{how}", data={"csrf": csrf, **body})
        assert answer.status_code == 409 and f"「{Phase(phase).label}」" in answer.text, (how, answer.text)


async def test_proposals_appear_and_staff_shape_them_while_deciding(vapi, login, session_factory, ts_env, worker_on):
    async with session_factory() as session:
        await add_teachers(session, count=300)
        clusters = list(await session.scalars(select(Cluster.id)))
        await session.commit()
    staff = await login("staff01")
    async with worker_on(ts_env.client):
        body = {"title": "全区教学问题征集", "cluster_ids": clusters, "grace": iso(DAY),
                "schedule": {p: iso(30 * DAY) for p in ("collect_topics", "train", "design_plan", "practise", "reflect")}}
        launched = await vapi.post(f"{API}/campaigns", json=body, headers=staff)
        assert launched.status_code == 201, launched.text
        cid, base = launched.json()["id"], f"{API}/campaigns/{launched.json()['id']}"
        await _reached(session_factory, cid, "collect_topics")
        submitted = await _submit_all(session_factory, cid)
        assert submitted >= 250
        async with session_factory() as session:  # submitted past the API: no vectors until collection closes
            assert not (await session.scalars(select(ProblemVector.problem_id))).all()
            first = await session.scalar(select(Problem.id).where(Problem.campaign_id == cid))
        await _refused_in(vapi, base, staff, first, "collect_topics")

        closed = await vapi.post(f"{base}/phase/close", headers=staff)
        assert closed.status_code == 200, closed.text
        await _reached(session_factory, cid, "collect_topics", "deciding")
        proposals = (await vapi.get(f"{base}/topic-proposals", headers=staff)).json()
        async with session_factory() as session:
            assert len((await session.scalars(select(ProblemVector.problem_id))).all()) == submitted
        ids = [p for proposal in proposals for p in proposal["problem_ids"]]
        assert len(ids) == len(set(ids)) == submitted
        groups = [p for p in proposals if len(p["problem_ids"]) > 1]
        assert 15 <= len(groups) < len(proposals) < submitted
        assert sum(bool(p["shared_terms"]) for p in groups) >= 0.8 * len(groups)  # a pair may share meaning only
        for proposal in groups:
            for member in proposal["problems"]:
                assert member["neighbours"] and set(member["neighbours"]) <= set(proposal["problem_ids"])

        a, b = groups[0], groups[1]
        merged = (await _shape(vapi, base, staff, "merge", {"problem_ids": [a["problem_ids"][0], b["problem_ids"][0]]}))
        assert merged.status_code == 200, merged.text
        assert len(merged.json()) == len(proposals) - 1
        assert sorted(a["problem_ids"] + b["problem_ids"]) in [sorted(p["problem_ids"]) for p in merged.json()]

        moving, into = groups[2]["problem_ids"][0], groups[3]["problem_ids"][0]
        moved = (await _shape(vapi, base, staff, "move", {"problem_id": moving, "to_problem_id": into})).json()
        holding = next(p for p in moved if into in p["problem_ids"])
        [entry] = [m for m in holding["problems"] if m["problem_id"] == moving]
        assert entry["neighbours"] and set(entry["neighbours"]) <= set(holding["problem_ids"])

        leaving = groups[4]["problem_ids"][:1]
        split = (await _shape(vapi, base, staff, "split", {"problem_ids": leaving})).json()
        assert leaving in [p["problem_ids"] for p in split] and len(split) == len(moved) + 1
        whole = await _shape(vapi, base, staff, "split", {"problem_ids": leaving})  # all of its proposal now
        assert whole.status_code == 422, whole.text

        lead = (await vapi.get(f"{API}/me", headers=staff)).json()["id"]
        topics = [{"title": p["suggested_title"][:40], "problem_ids": p["problem_ids"], "lead_user_id": lead}
                  for p in split[:3]]
        confirmed = await vapi.post(f"{base}/topics", json={"topics": topics}, headers=staff)
        assert confirmed.status_code == 201, confirmed.text
        await _reached(session_factory, cid, "train")
        await _refused_in(vapi, base, staff, moving, "train")
