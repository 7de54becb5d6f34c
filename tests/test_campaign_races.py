"""The race catalogue: a campaign on the time-skipping server with an activity slowed (real
seconds, which Temporal cannot skip) to hold each window open, and two requests sent into it.
Each test names the window; the run must neither wedge nor do anything twice."""

import asyncio
import contextlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus, WorkflowFailureError
from temporalio.contrib.pydantic import pydantic_data_converter

from contracts.campaigns.api import CampaignIn
from contracts.campaigns.history import CampaignParams
from engine import campaigns as campaign_run
from engine import steering
from models import Campaign, Cluster, InboxItem, Notification, Plan, RunStall, Topic, User
from services.campaigns import service as campaign_service
from tests.activity_faults import faulty_activities
from tests.campaign_helpers import (  # noqa: F401  the fixtures: settings, vapi, login
    API, eventually, iso, login, notice_keys, settings, vapi,
)
from worker import create_worker

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
SLOW = 1.5  # seconds an activity is held: the window a second request lands in


def _worker(ts_env, settings, session_factory, **faults):
    """The product's worker with `faults` put into its activities (tests/activity_faults.py)."""
    activities = faulty_activities(settings, session_factory, **faults)
    return create_worker(ts_env.client, settings=settings, session_factory=session_factory, activities=activities)


async def _cluster(session_factory) -> int:
    async with session_factory() as session:
        return await session.scalar(select(Cluster.id).order_by(Cluster.id))


async def _launch(vapi, login, session_factory) -> tuple[int, str]:
    body = {"title": "竞态测试", "cluster_ids": [await _cluster(session_factory)], "grace": iso(HOUR),
            "schedule": {p: iso(DAY) for p in ("collect_topics", "train", "design_plan", "practise", "reflect")}}
    launched = await vapi.post(f"{API}/campaigns", json=body, headers=await login("staff01"))
    assert launched.status_code == 201, launched.text
    return launched.json()["id"], f"{API}/campaigns/{launched.json()['id']}"


async def _state(session_factory, campaign_id: int) -> tuple[str, str]:
    async with session_factory() as session:
        campaign = await session.get(Campaign, campaign_id)
        return str(campaign.phase), str(campaign.step)


async def _reached(session_factory, campaign_id: int, phase: str, step: str = "open") -> None:
    async def there():
        return await _state(session_factory, campaign_id) == (phase, step)

    await eventually(there)


async def _confirm(vapi, login, base: str, lead_id: int):
    return await vapi.post(f"{base}/topics", headers=await login("staff01"), json={"topics": [
        {"title": "作文教学", "problem_ids": [], "lead_user_id": lead_id}]})


async def _in_train(vapi, login, session_factory) -> tuple[int, str, int]:
    """A launched campaign walked to its train phase: (campaign id, its API base, the topic id).
    staff01 launched it and made staff02 a co-organiser: both steer it."""
    campaign_id, base = await _launch(vapi, login, session_factory)
    await _reached(session_factory, campaign_id, "collect_topics")
    added = await vapi.post(f"{base}/organisers", json={"user_id": await _user_id(session_factory, "staff02")},
                            headers=await login("staff01"))
    assert added.status_code == 201, added.text
    await vapi.post(f"{base}/phase/close", headers=await login("staff01"))
    confirmed = await _confirm(vapi, login, base, await _user_id(session_factory, "staff01"))
    assert confirmed.status_code == 201, confirmed.text
    await _reached(session_factory, campaign_id, "train")
    return campaign_id, base, confirmed.json()[0]["id"]


async def _user_id(session_factory, username: str) -> int:
    async with session_factory() as session:
        return await session.scalar(select(User.id).where(User.username == username))


async def _upserted_phases(client, workflow_id: str) -> list[str]:
    """Every Phase search attribute value the run wrote, in order (from its history: the
    time-skipping server has no visibility store)."""
    values = []
    async for event in client.get_workflow_handle(workflow_id).fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
            payload = event.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields
            if "Phase" in payload:
                values.append(pydantic_data_converter.payload_converter.from_payload(payload["Phase"], str))
    return values


async def _ended_cancelled(ts_env, session_factory, campaign_id: int,
                           status: WorkflowExecutionStatus = WorkflowExecutionStatus.COMPLETED) -> None:
    """Ended as cancelled: the run is closed (completed when the product cancelled it, cancelled
    when the runs console did), the database and the search attribute say so, the cancellation
    went out once and no phase notice after it."""
    handle = ts_env.client.get_workflow_handle(f"campaign-{campaign_id}")
    with contextlib.suppress(WorkflowFailureError):  # how a run cancelled from outside answers
        await asyncio.wait_for(handle.result(), 60)  # a wedged run never ends
    assert (await handle.describe()).status == status
    assert await _state(session_factory, campaign_id) == ("cancelled", "closed")
    assert (await _upserted_phases(ts_env.client, handle.id))[-1] == "cancelled"
    async with session_factory() as session:
        keys = list(await session.scalars(select(Notification.key).where(Notification.campaign_id == campaign_id)
                                          .order_by(Notification.id)))
    assert keys.count(f"campaign:{campaign_id}:cancelled") == 1
    assert keys[-1] == f"campaign:{campaign_id}:cancelled", keys  # nothing announced after it
    assert not any(key.endswith(":opened") and "train" in key for key in keys)


async def test_cancel_within_moments_of_launch_ends_the_run(vapi, login, session_factory, ts_env, worker_on):
    """(a) Cancelled while the first phase is still being entered: no deadline yet, no reminder."""
    async with worker_on(ts_env.client):
        campaign_id, base = await _launch(vapi, login, session_factory)
        cancelled = await vapi.post(f"{base}/cancel", json={"reason": "建错了"}, headers=await login("staff01"))
        assert cancelled.status_code == 200 and cancelled.json()["phase"] == "cancelled", cancelled.text
        await _ended_cancelled(ts_env, session_factory, campaign_id)


async def test_cancel_during_phase_entry_ends_the_run(vapi, login, session_factory, ts_env, settings):
    """(a) Cancelled while the train phase is being entered (its transition held open)."""
    lead = await _user_id(session_factory, "staff01")
    async with _worker(ts_env, settings, session_factory, slow={"record_transition": SLOW}):
        campaign_id, base = await _launch(vapi, login, session_factory)
        await _reached(session_factory, campaign_id, "collect_topics")
        closed = await vapi.post(f"{base}/phase/close", headers=await login("staff01"))
        assert closed.status_code == 200 and closed.json()["step"] == "deciding", closed.text
        confirmed = asyncio.create_task(_confirm(vapi, login, base, lead))
        await _reached(session_factory, campaign_id, "collect_topics", "deciding")
        await asyncio.sleep(0.3)  # the topics are stored; the train transition is being recorded
        cancelled = await vapi.post(f"{base}/cancel", json={"reason": "与期中考试冲突"},
                                    headers=await login("staff01"))
        assert cancelled.status_code == 200 and cancelled.json()["phase"] == "cancelled", cancelled.text
        await confirmed
        await _ended_cancelled(ts_env, session_factory, campaign_id)


@pytest.mark.parametrize("held", ["record_transition", "publish_notification"])
async def test_cancel_from_the_runs_console_during_an_activity_is_recorded(vapi, login, session_factory, ts_env,
                                                                           settings, held):
    """(i) The runs console cancels the run while the phase entry's transition or its announcement
    is in flight: the activity's cancellation reaches the workflow (not asyncio's), and the run
    still records the cancel and tells everyone before it ends. The activity is held longer than
    SLOW: on a loaded machine the cancel must still land while it is in flight, not after it."""
    async with _worker(ts_env, settings, session_factory, slow={held: 3 * SLOW}):
        campaign_id, _ = await _launch(vapi, login, session_factory)
        if held == "publish_notification":
            await _reached(session_factory, campaign_id, "collect_topics")
        await asyncio.sleep(0.3)  # the held activity is running
        cancelled = await vapi.post(f"{API}/runs/campaign-{campaign_id}/cancel", json={"reason": "重复创建"},
                                    headers=await login("admin"))
        assert cancelled.status_code == 202, cancelled.text
        await _ended_cancelled(ts_env, session_factory, campaign_id, WorkflowExecutionStatus.CANCELED)


async def test_stale_close_is_refused_naming_the_phase_now(vapi, login, session_factory, ts_env, worker_on):
    """(b) A close of `train` that arrives after train's deadline moved the campaign on."""
    async with worker_on(ts_env.client):
        campaign_id, base, _ = await _in_train(vapi, login, session_factory)
        await ts_env.sleep(DAY + HOUR)  # train's deadline fires
        await _reached(session_factory, campaign_id, "design_plan")
        stale = await vapi.post(f"{base}/phase/close", json={"phase": "train"}, headers=await login("staff01"))
        assert stale.status_code == 409 and stale.json()["phase"] == "design_plan", stale.text
        assert await _state(session_factory, campaign_id) == ("design_plan", "open")
        stale = await vapi.post(f"{base}/phase/extend", headers=await login("staff01"),
                                json={"until": "2099-01-01T00:00:00+00:00", "phase": "train"})
        assert stale.status_code == 409 and stale.json()["phase"] == "design_plan", stale.text


async def test_two_closes_at_once_close_one_phase(vapi, login, session_factory, ts_env, settings):
    """(c) Two organisers press close on the same page within a moment: one phase ends, both are told
    where the campaign is now."""
    async with _worker(ts_env, settings, session_factory, slow={"record_transition": SLOW}):
        campaign_id, base, _ = await _in_train(vapi, login, session_factory)
        first, second = await asyncio.gather(
            vapi.post(f"{base}/phase/close", json={"phase": "train"}, headers=await login("staff01")),
            vapi.post(f"{base}/phase/close", json={"phase": "train"}, headers=await login("staff02")))
        # The second joins the first (200), or arrives once train is over (409): both name design_plan.
        assert 200 in (first.status_code, second.status_code), (first.text, second.text)
        for answer in (first, second):
            assert answer.status_code in (200, 409) and answer.json()["phase"] == "design_plan", answer.text
        await asyncio.sleep(2 * SLOW)  # time for a second phase change, were there one
        assert await _state(session_factory, campaign_id) == ("design_plan", "open")


async def test_approve_and_return_at_once_accept_one(vapi, login, session_factory, ts_env, settings):
    """(d) One organiser approves while the other returns the same plan."""
    lead = await _user_id(session_factory, "staff01")
    async with _worker(ts_env, settings, session_factory, slow={"decide_plan": SLOW}):
        campaign_id, base, topic_id = await _in_train(vapi, login, session_factory)
        staff = await login("staff01")
        await vapi.post(f"{base}/phase/close", headers=staff)
        await _reached(session_factory, campaign_id, "design_plan")
        plan = {"goal": "分层写作", "stages": [{"title": "课例", "due_at": "2099-03-01T00:00:00+00:00",
                                                 "assignee_user_ids": [lead]}]}
        assert (await vapi.put(f"{base}/topics/{topic_id}/plan", json=plan, headers=staff)).status_code == 200
        approve, give_back = await asyncio.gather(
            vapi.post(f"{base}/topics/{topic_id}/plan/approve", headers=staff),
            vapi.post(f"{base}/topics/{topic_id}/plan/return", json={"comment": "补充评价"},
                      headers=await login("staff02")))
        assert sorted([approve.status_code, give_back.status_code]) == [200, 409], (approve.text, give_back.text)
        accepted = "approved" if approve.status_code == 200 else "returned"
        async with session_factory() as session:
            assert await session.scalar(select(Plan.status).where(Plan.topic_id == topic_id)) == accepted
        keys = await notice_keys(session_factory, campaign_id)
        assert (f"plan:{topic_id}:approved" in keys) == (accepted == "approved")
        assert any(k.startswith(f"plan:{topic_id}:returned") for k in keys) == (accepted == "returned")


async def test_double_confirm_creates_the_topics_once(vapi, login, session_factory, ts_env, settings):
    """(e) The confirm button pressed twice."""
    lead = await _user_id(session_factory, "staff01")
    async with _worker(ts_env, settings, session_factory, slow={"confirm_topics": SLOW}):
        campaign_id, base = await _launch(vapi, login, session_factory)
        await _reached(session_factory, campaign_id, "collect_topics")
        await vapi.post(f"{base}/phase/close", headers=await login("staff01"))
        await _reached(session_factory, campaign_id, "collect_topics", "deciding")
        first, second = await asyncio.gather(_confirm(vapi, login, base, lead), _confirm(vapi, login, base, lead))
        assert sorted([first.status_code, second.status_code]) == [201, 409], (first.text, second.text)
        async with session_factory() as session:
            assert await session.scalar(select(func.count()).select_from(Topic)
                                        .where(Topic.campaign_id == campaign_id)) == 1
        await _reached(session_factory, campaign_id, "train")


async def test_close_during_entry_with_a_full_history_continues_as_new(vapi, login, session_factory, ts_env,
                                                                      settings):
    """(f) The history is "full" after every phase entry (history_limit=1): a close accepted while
    the phase is being entered is answered, and the run then continues as new."""
    async with session_factory() as session:
        staff = await session.scalar(select(User).where(User.username == "staff01"))
        data = CampaignIn(title="历史很长", cluster_ids=[await _cluster(session_factory)], schedule={"collect_topics": DAY})
        campaign = await campaign_service.create_campaign(session, data=data, by=staff,
                                                          now=await ts_env.get_current_time())
        campaign.params = {**campaign.params, "history_limit": 1}
        await session.commit()
        state = campaign_service.initial_state(campaign)
        assert state.params == CampaignParams(**campaign.params)
    async with _worker(ts_env, settings, session_factory, slow={"record_transition": SLOW}):
        await campaign_run.start(ts_env.client, settings=settings, campaign=campaign,
                                 cluster_ids=[await _cluster(session_factory)], started_by="staff01")
        handle = ts_env.client.get_workflow_handle(campaign.workflow_id)
        first_run = (await handle.describe()).run_id
        base = f"{API}/campaigns/{campaign.id}"
        closed = await asyncio.wait_for(vapi.post(f"{base}/phase/close", headers=await login("staff01")), 30)
        assert closed.status_code == 200 and closed.json()["step"] == "deciding", closed.text
        confirmed = await _confirm(vapi, login, base, await _user_id(session_factory, "staff01"))
        assert confirmed.status_code == 201, confirmed.text  # the train phase opens: history "full"

        async def continued() -> bool:
            return (await handle.describe()).run_id != first_run

        await eventually(continued, timeout=30)


async def test_failing_activity_stalls_the_run_until_the_cause_is_gone(vapi, login, session_factory, ts_env,
                                                                       settings):
    """(g) The database the first transition writes to is down: the run shows as stalled, admins
    hear once, and it carries on by itself when the database is back."""
    settings = settings.model_copy(update={"stall_after_attempts": 3})
    down = {"yes": True}
    async with _worker(ts_env, settings, session_factory, failing={"record_transition": lambda: down["yes"]}):
        campaign_id, base = await _launch(vapi, login, session_factory)
        workflow_id = f"campaign-{campaign_id}"

        async def stalled():
            await ts_env.sleep(30)  # past the retry backoff
            async with session_factory() as session:
                return await session.scalar(select(RunStall).where(RunStall.workflow_id == workflow_id))

        stall = await eventually(stalled, timeout=60)
        assert stall.activity_type == "record_transition" and "unreachable" in stall.last_error
        run = await vapi.get(f"{API}/runs/{workflow_id}", headers=await login("admin"))
        assert run.json()["stalled"]["activity_type"] == "record_transition", run.text
        await ts_env.sleep(120)  # more failures: still one alert
        async with session_factory() as session:
            alerts = (await session.scalars(select(InboxItem.user_id).join(Notification).where(
                Notification.key.like(f"stalled:{workflow_id}:%")))).all()
        assert alerts == [await _user_id(session_factory, "admin")]

        down["yes"] = False

        async def moving():
            await ts_env.sleep(60)
            return await _state(session_factory, campaign_id) == ("collect_topics", "open")

        await eventually(moving, timeout=60)
        run = await vapi.get(f"{API}/runs/{workflow_id}", headers=await login("admin"))
        assert run.json()["stalled"] is None


async def test_request_waiting_on_a_failing_step_is_answered_202(vapi, login, session_factory, ts_env, settings,
                                                                monkeypatch):
    """(h) The run accepts a close but cannot carry it out (the database write keeps failing): the
    request is answered 202 with the run to watch instead of hanging, and the close takes effect by
    itself when the cause is gone."""
    monkeypatch.setattr(steering, "STEER_WAIT", timedelta(seconds=1))
    down = {"yes": False}
    async with _worker(ts_env, settings, session_factory, failing={"record_transition": lambda: down["yes"]}):
        campaign_id, base = await _launch(vapi, login, session_factory)
        await _reached(session_factory, campaign_id, "collect_topics")
        down["yes"] = True
        closed = await vapi.post(f"{base}/phase/close", headers=await login("staff01"))
        assert closed.status_code == 202, closed.text
        assert closed.json()["run"] == f"/api/v1/runs/campaign-{campaign_id}"
        down["yes"] = False

        async def carried_out():
            await ts_env.sleep(60)  # past the retry backoff
            return await _state(session_factory, campaign_id) == ("collect_topics", "deciding")

        await eventually(carried_out, timeout=60)
