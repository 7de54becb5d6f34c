"""No record without its run (engine/reconcile.py, worker.py's keep_reconciling), against real
Temporal dev server processes on loopback (tests/fault_stack.py), each test on a server of its own:
workflow ids repeat across tests (every test's database numbers its records from 1).

1. A campaign and a series created through the API while the server is stopped are answered 202
   and stored; once the server is back, the worker's reconciler starts both runs, and each makes
   its first announcement once (the campaign's opening, the series' first session).
2. A process killed between the commit and the start loses nothing: the reconciler starts the run.
3. A run that completed is never started again, even if the database says the record is live.
A second pass starts nothing. Counts are asserted, never durations."""

import asyncio
import logging
import signal
from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RetryConfig

from console.auth import csrf_token
from contracts.runs.api import RUN_PENDING
from engine import campaigns as campaign_runs
from engine import series as series_runs
from engine.reconcile import reconcile
from models import Campaign, CampaignMember, InboxItem, Notification, Series, SeriesParticipant
from services.accounts.security import SESSION_COOKIE
from services.campaigns import service as campaign_service
from tests.conftest import DEMO_PASSWORD, api_client
from tests.fault_stack import DevServer, wait_for
from worker import keep_reconciling

PHASES = {phase: "P7D" for phase in ("collect_topics", "train", "design_plan", "practise", "reflect")}


@pytest.fixture
async def server(tmp_path):
    server = DevServer("reconcile-temporal", tmp_path / "temporal.db").start()
    await server.ready()
    yield server
    server.stop()


@pytest.fixture
async def client(server) -> Client:
    # Gives up on a stopped server after a second (the default is 10 s of retries): quicker 202s.
    return await Client.connect(server.address, data_converter=pydantic_data_converter,
                                retry_config=RetryConfig(max_elapsed_time_millis=1000))


def series_body(settings) -> dict:
    """A term whose first session is tomorrow: its announcement is due as soon as the run starts."""
    tomorrow = (datetime.now(settings.tz) + timedelta(days=1)).date()
    return {"title": "周周有约", "weekday": tomorrow.isoweekday(), "start_time": "14:00", "end_time": "17:00",
            "term_start": tomorrow.isoformat(), "term_end": (tomorrow + timedelta(days=13)).isoformat()}


async def staff(api) -> dict[str, str]:
    token = (await api.post("/api/v1/auth/token", data={"username": "staff01", "password": DEMO_PASSWORD})).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


async def create_campaign(api, headers):
    return await api.post("/api/v1/campaigns", headers=headers,
                          json={"title": "春季教研", "cluster_ids": [1], "schedule": PHASES})


async def create_series(api, headers, settings):
    return await api.post("/api/v1/clusters/1/series", headers=headers, json=series_body(settings))


async def executions(client: Client, workflow_id: str) -> list[WorkflowExecutionStatus]:
    return [execution.status async for execution in client.list_workflows(f"WorkflowId = '{workflow_id}'")]


async def first_announcements(session_factory) -> tuple[Counter, int, Counter, int]:
    """Inbox copies per user of the campaign's opening and of the series' first announcement, and
    how many people each should reach."""
    async with session_factory() as session:
        async def copies(key) -> Counter:
            return Counter(await session.scalars(
                select(InboxItem.user_id).join(Notification, Notification.id == InboxItem.notification_id)
                .where(key)))

        opened = await copies(Notification.key == "campaign:1:opened")
        announced = await copies(Notification.key.like("session:%:announce:%"))
        members = await session.scalar(select(func.count()).select_from(CampaignMember))
        participants = await session.scalar(select(func.count()).select_from(SeriesParticipant))
    return opened, members, announced, participants


async def announced_once(client: Client, session_factory) -> None:
    """Both runs made their first announcement, to everyone once, and each id has one run."""
    async def both_announced():
        opened, members, announced, participants = await first_announcements(session_factory)
        return len(opened) == members and len(announced) == participants
    await wait_for(both_announced, timeout=120, what="the opening and the first session announced", every=0.2)
    opened, _, announced, _ = await first_announcements(session_factory)
    assert set(opened.values()) == set(announced.values()) == {1}
    for workflow_id in ("campaign-1", "series-1"):
        assert await executions(client, workflow_id) == [WorkflowExecutionStatus.RUNNING]


async def test_a_server_that_hangs_answers_202_and_the_run_starts_once_it_answers(
    settings, session_factory, demo, server, client
):
    """A frozen server (it accepts connections and never answers) is the worse outage for the person
    clicking: the start gives up after START_WAIT and the campaign is kept, not lost with a timeout."""
    server.process.send_signal(signal.SIGSTOP)
    try:
        async with api_client(settings, client) as api:
            answer = await create_campaign(api, await staff(api))
    finally:
        server.process.send_signal(signal.SIGCONT)
    assert answer.status_code == 202, answer.text
    # The server may still carry out the start it held (then the reconciler finds the run): either way, one run.
    await reconcile(client, settings=settings, session_factory=session_factory)
    assert await executions(client, "campaign-1") == [WorkflowExecutionStatus.RUNNING]


async def test_created_while_temporal_is_down_gets_its_run_once_temporal_is_back(
    settings, session_factory, demo, server, client, worker_on, caplog
):
    server.stop()
    # The campaign through an API that reached the server before it stopped, the series through one
    # started while it is down (the app connects lazily: its first call finds no server).
    unconnected = await Client.connect(server.address, data_converter=pydantic_data_converter, lazy=True)
    async with api_client(settings, client) as api, api_client(settings, unconnected) as api_started_while_down:
        campaign = await create_campaign(api, await staff(api))
        series = await create_series(api_started_while_down, await staff(api_started_while_down), settings)
        for answer, kind in ((campaign, "campaign"), (series, "series")):
            assert answer.status_code == 202, answer.text
            assert answer.json() == {"id": 1, "status": "accepted", "workflow_id": f"{kind}-1", "detail": RUN_PENDING}
    async with session_factory() as session:  # both stored, as the database's live records
        assert (await session.get(Campaign, 1)).status == "running"
        assert (await session.get(Series, 1)).status == "active"

    settings.reconcile_seconds = 0.5
    stop = asyncio.Event()
    caplog.set_level(logging.INFO, logger="engine.reconcile")
    # The worker's loop, already running while the server is down: its passes fail until it is back.
    reconciling = asyncio.create_task(keep_reconciling(client, settings=settings, session_factory=session_factory,
                                                       until=stop))
    try:
        server.start()
        await server.ready()
        async with worker_on(client):
            await announced_once(client, session_factory)
            assert await reconcile(client, settings=settings, session_factory=session_factory) == []
            await announced_once(client, session_factory)
    finally:
        stop.set()
        await reconciling
    started = [record.getMessage() for record in caplog.records if record.name == "engine.reconcile"]
    assert sorted(started) == ["reconciler started campaign-1: its record had no run",
                               "reconciler started series-1: its record had no run"]


async def test_the_console_launch_form_says_the_run_starts_later(settings, session_factory, demo, server, client):
    server.stop()
    async with api_client(settings, client) as console:
        token = (await staff(console))["Authorization"].removeprefix("Bearer ")
        console.cookies.set(SESSION_COOKIE, token)
        launched = await console.post("/console/campaigns/new", data={
            "title": "春季教研", "cluster_ids": "1", "length": "7", "unit": "days", "csrf": csrf_token(token, settings)})
        assert launched.status_code == 303 and launched.headers["location"] == "/console/campaigns/1?done=run_pending"
        board = await console.get(launched.headers["location"])
    assert board.status_code == 200 and "恢复后自动开始" in board.text


class Killed(BaseException):
    """What a SIGKILL right after the commit leaves: nothing after it runs, nothing catches it."""


async def killed(*_, **__):
    raise Killed


async def test_a_process_killed_between_commit_and_start_loses_nothing(
    settings, session_factory, demo, client, worker_on, monkeypatch
):
    async with api_client(settings, client) as api:
        headers = await staff(api)
        with monkeypatch.context() as patch:
            patch.setattr(campaign_runs, "start", killed)
            patch.setattr(series_runs, "start", killed)
            with pytest.raises(Killed):
                await create_campaign(api, headers)
            with pytest.raises(Killed):
                await create_series(api, headers, settings)
    async with session_factory() as session:  # committed, with no run
        assert [await session.scalar(select(func.count()).select_from(table)) for table in (Campaign, Series)] == [1, 1]
    assert await executions(client, "campaign-1") == await executions(client, "series-1") == []

    first = await reconcile(client, settings=settings, session_factory=session_factory)
    second = await reconcile(client, settings=settings, session_factory=session_factory)
    assert sorted(first) == ["campaign-1", "series-1"] and second == []
    async with worker_on(client):
        await announced_once(client, session_factory)


async def test_a_run_that_completed_is_never_started_again(settings, session_factory, demo, client, worker_on):
    async with api_client(settings, client) as api, worker_on(client):
        headers = await staff(api)
        launched = await create_campaign(api, headers)
        assert launched.status_code == 201, launched.text
        cancelled = await api.post("/api/v1/campaigns/1/cancel", json={"reason": "重复发起"}, headers=headers)
        assert cancelled.status_code == 200, cancelled.text
        handle = client.get_workflow_handle("campaign-1")
        await wait_for(lambda: _completed(handle), timeout=60, what="the cancelled campaign's run completed")
    # A database restored from before the cancel says the campaign is still running.
    async with session_factory() as session:
        await session.execute(update(Campaign).values(status="running"))
        await session.commit()
        campaign_row = await session.get(Campaign, 1)
        cluster_ids = await campaign_service.member_clusters(session, 1)

    assert await reconcile(client, settings=settings, session_factory=session_factory) == []
    # Even a start that visibility did not warn off is refused by the id reuse policy.
    assert await campaign_runs.start(client, settings=settings, campaign=campaign_row, cluster_ids=cluster_ids,
                                     started_by="staff01") is False
    assert await executions(client, "campaign-1") == [WorkflowExecutionStatus.COMPLETED]


async def _completed(handle) -> bool:
    return (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED
