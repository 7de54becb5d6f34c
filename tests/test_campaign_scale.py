"""A county campaign: 5,000 teachers in scope, 20,000+ actions, the whole cycle. Teachers' actions
go through the same service functions the API calls (phase guard included) in batched
transactions, so the test measures the workflow's side: its history and its updates."""

import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from temporalio.api.enums.v1 import EventType

from benchmarks.big_county import add_teachers, problem_text
from contracts.campaigns.api import DeliveryIn, ProblemIn, ReflectionIn
from contracts.campaigns.history import CampaignParams
from models import Campaign, CampaignMember, Cluster, Problem, Task, TopicParticipant, Training
from services.campaigns import service as campaigns
from tests.campaign_helpers import API, api_on_virtual_time, eventually, iso

pytestmark = pytest.mark.heavy

TEACHERS = 5_000
VOTES_EACH = 1
BATCH = 500


@pytest.fixture
def settings(settings):
    """No SMTP server here: one quick failed attempt per e-mail, so no real-time backoff holds
    the time-skipping clock (the inbox copy, which the tests read, is written regardless)."""
    return settings.model_copy(update={"delivery_attempts": 1, "delivery_retry_base_seconds": 0.0})

async def _batched(session_factory, items: Sequence[Any], action: Callable[[Any, Any], Awaitable[Any]]) -> int:
    """Run `action(session, item)` for every item, committing every BATCH actions."""
    for start in range(0, len(items), BATCH):
        async with session_factory() as session:
            for item in items[start : start + BATCH]:
                await action(session, item)
            await session.commit()
    return len(items)


async def test_county_campaign_stays_far_from_temporal_limits(settings, session_factory, demo, ts_env, worker_on):
    started = time.monotonic()
    async with session_factory() as session:
        await add_teachers(session, count=TEACHERS)
        clusters = list(await session.scalars(select(Cluster.id)))
        await session.commit()
    async with api_on_virtual_time(settings, ts_env) as api, worker_on(ts_env.client):
        staff = await _login(api, "staff01")
        body = {"title": "全县语文订单式教研", "subject": "语文", "cluster_ids": clusters,
                "schedule": {p: iso(timedelta(hours=1)) for p in ["collect_topics", "train", "design_plan",
                                                                 "practise", "reflect"]}}
        created = await api.post(f"{API}/campaigns", json=body, headers=staff)
        assert created.status_code == 201, created.text
        cid = created.json()["id"]
        base = f"{API}/campaigns/{cid}"
        async with session_factory() as session:
            members = list(await session.scalars(select(CampaignMember).where(CampaignMember.campaign_id == cid)
                                                 .order_by(CampaignMember.user_id)))
        assert len(members) >= TEACHERS
        await eventually(lambda: _phase_is(session_factory, cid, "collect_topics"))
        actions = 0

        async def submit(session, numbered):
            n, member = numbered
            await campaigns.submit_problem(session, campaign_id=cid, member=member,
                                           data=ProblemIn(title=problem_text(n), grade="五年级"))

        actions += await _batched(session_factory, list(enumerate(members)), submit)
        async with session_factory() as session:
            problem_ids = list(await session.scalars(select(Problem.id).where(Problem.campaign_id == cid)
                                                     .order_by(Problem.id)))
        budget = CampaignParams().vote_budget

        async def vote(session, pair):
            member, problem_id = pair
            problem = await session.get(Problem, problem_id)
            await campaigns.vote(session, problem=problem, member=member, budget=budget)

        # Member i wrote problem i; each votes for others' problems, never her own.
        votes = [(m, problem_ids[(i + 1 + k * 13) % len(problem_ids)])
                 for i, m in enumerate(members) for k in range(VOTES_EACH)]
        actions += await _batched(session_factory, votes, vote)

        closed = await api.post(f"{base}/phase/close", headers=staff)
        assert closed.json()["step"] == "deciding", closed.text
        proposals = (await api.get(f"{base}/topic-proposals", headers=staff)).json()
        lead = (await api.get(f"{API}/me", headers=await _login(api, "staff02"))).json()["id"]
        topics = [{"title": p["suggested_title"][:40], "problem_ids": p["problem_ids"], "lead_user_id": lead}
                  for p in proposals[:12]]
        confirmed = await api.post(f"{base}/topics", json={"topics": topics}, headers=staff)
        assert confirmed.status_code == 201, confirmed.text
        await eventually(lambda: _phase_is(session_factory, cid, "train"))

        now = await ts_env.get_current_time()
        for topic in confirmed.json():
            training = await api.post(f"{base}/trainings", headers=staff, json={
                "topic_id": topic["id"], "title": f"{topic['title']}专题培训", "expert": "市教科院专家",
                "starts_at": (now + timedelta(minutes=40)).isoformat(),
                "ends_at": (now + timedelta(minutes=100)).isoformat(), "online_link": "https://meeting.example/1"})
            assert training.status_code == 201, training.text
        async with session_factory() as session:
            attendance = (await session.execute(
                select(Training, TopicParticipant.user_id)
                .join(TopicParticipant, TopicParticipant.topic_id == Training.topic_id)
                .where(Training.campaign_id == cid))).all()
        attendance = list({user_id: (training, user_id) for training, user_id in attendance}.values())  # one each
        params = CampaignParams()

        async def check_in(session, pair):
            training, user_id = pair
            await campaigns.check_in(session, training=training, user_id=user_id, params=params,
                                     now=training.starts_at, tz=settings.tz)

        actions += await _batched(session_factory, attendance, check_in)
        await api.post(f"{base}/phase/close", headers=staff)
        await eventually(lambda: _phase_is(session_factory, cid, "design_plan"))

        due = await ts_env.get_current_time() + timedelta(hours=1)
        staff02 = await _login(api, "staff02")
        for n, topic in enumerate(confirmed.json()):
            assignees = [m.user_id for m in members[n * 400 : (n + 1) * 400]]
            stages = [{"title": f"第{k + 1}轮课例研讨", "due_at": (due + k * timedelta(minutes=10)).isoformat(),
                       "assignee_user_ids": assignees[k * 200 : (k + 1) * 200]} for k in range(2)]
            plan = await api.put(f"{base}/topics/{topic['id']}/plan", headers=staff02,
                                 json={"goal": "提高课堂实效", "stages": stages})
            assert plan.status_code == 200, plan.text
            approved = await api.post(f"{base}/topics/{topic['id']}/plan/approve", headers=staff)
            assert approved.status_code == 200, approved.text
        await eventually(lambda: _phase_is(session_factory, cid, "practise"))
        async with session_factory() as session:
            tasks = list(await session.scalars(select(Task).where(Task.campaign_id == cid)))

        async def deliver(session, task):
            await campaigns.deliver(session, task=await session.get(Task, task.id),
                                    data=DeliveryIn(summary="课例与研讨记录"), now=task.due_at)

        actions += await _batched(session_factory, tasks, deliver)
        await api.post(f"{base}/phase/close", headers=staff)
        await eventually(lambda: _phase_is(session_factory, cid, "reflect"))

        async def reflect(session, member):
            await campaigns.reflect(session, campaign_id=cid, user_id=member.user_id,
                                    data=ReflectionIn(text="本次研讨让我重新认识了学生的困难"))

        actions += await _batched(session_factory, members, reflect)
        await ts_env.sleep(timedelta(hours=1, minutes=1))
        await eventually(lambda: _phase_is(session_factory, cid, "completed"), timeout=120)

        assert actions >= 20_000, actions
        history = await ts_env.client.get_workflow_handle(f"campaign-{cid}").fetch_history()
        events = len(history.events)
        updates = sum(1 for e in history.events
                      if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED)
        print(f"\nscale: {len(members)} teachers, {actions} actions, {len(tasks)} tasks, "
              f"{len(proposals)} proposals; history {events} events, {updates} updates; "
              f"{time.monotonic() - started:.0f}s")
        assert events < 25_000 and updates < 1_000


async def _login(api, username: str) -> dict[str, str]:
    response = await api.post(f"{API}/auth/token", data={"username": username, "password": "demo-pass"})
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _phase_is(session_factory, campaign_id: int, phase: str) -> bool:
    async with session_factory() as session:
        return str((await session.get(Campaign, campaign_id)).phase) == phase
