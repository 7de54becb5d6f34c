"""The staff board's counts come from aggregates (services/campaigns/service.py board_counts), and the
launch through the API is audited under the new campaign in the same transaction scheme."""

from datetime import datetime, timezone

from sqlalchemy import select
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from contracts.campaigns.api import CampaignIn, ProblemIn
from models import AuditEntry, Campaign, CampaignMember, Cluster, User
from services.campaigns import service as campaigns
from tests.conftest import api_client


async def test_board_counts_members_live_problems_votes_and_authors(api, login, session_factory):
    async with session_factory() as session:
        staff = await session.scalar(select(User).where(User.username == "staff01"))
        cluster = await session.scalar(select(Cluster.id).order_by(Cluster.id))
        campaign = await campaigns.create_campaign(session, data=CampaignIn(title="看板", cluster_ids=[cluster]),
                                                   by=staff, now=datetime.now(timezone.utc))
        members = (await session.scalars(select(CampaignMember).where(CampaignMember.campaign_id == campaign.id)
                                         .order_by(CampaignMember.user_id))).all()
        problems = [await campaigns.submit_problem(session, campaign_id=campaign.id, member=member,
                                                   data=ProblemIn(title=f"问题 {n}"))
                    for n, member in enumerate([members[0], members[0], members[1], members[2]])]
        for voter in members[3:6]:
            await campaigns.vote(session, problem=problems[0], member=voter, budget=5)
        await campaigns.vote(session, problem=problems[3], member=members[4], budget=5)
        await campaigns.withdraw_problem(session, problem=problems[3], now=datetime.now(timezone.utc))
        await session.commit()

    detail = (await api.get(f"/api/v1/campaigns/{campaign.id}", headers=await login("staff01"))).json()
    assert (detail["members"], detail["problems"], detail["votes"]) == (len(members), 3, 3)
    collect = detail["counts"][0]
    assert collect == {"phase": "collect_topics", "acted": 2, "not_acted": len(members) - 2}
    assert all(c["acted"] == c["not_acted"] == 0 for c in detail["counts"][1:])


async def test_a_launch_is_audited_under_its_campaign_also_when_its_run_starts_later(
        api, login, settings, session_factory):
    staff = await login("staff01")
    body = {"title": "春季语文", "cluster_ids": [1]}
    launched = await api.post("/api/v1/campaigns", json=body, headers=staff)
    assert launched.status_code == 201
    async with api_client(settings, await Client.connect("127.0.0.1:1", lazy=True, data_converter=pydantic_data_converter)) as unreachable:
        pending = await unreachable.post("/api/v1/campaigns", json=body, headers=staff)
    assert pending.status_code == 202  # stored: the worker's reconciler starts its run (tests/test_reconcile.py)

    async with session_factory() as session:
        entries = (await session.scalars(select(AuditEntry).where(AuditEntry.route == "/api/v1/campaigns")
                                         .order_by(AuditEntry.id))).all()
        campaign_ids = list(await session.scalars(select(Campaign.id).order_by(Campaign.id)))
    assert campaign_ids == [launched.json()["id"], pending.json()["id"]]
    assert [(e.status_code, e.subject_type, e.subject_id) for e in entries] == [
        (201, "campaigns", str(campaign_ids[0])), (202, "campaigns", str(campaign_ids[1]))]
