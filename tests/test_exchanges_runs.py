"""An exchange's run on the dev server (visibility): found in the runs list by its kind, shown
stalled while its step keeps failing, as every run is (activities/stall_watch.py); and started by
the reconciler, with its school year's checkpoints, when its record was left without one."""

import asyncio
import random
from datetime import date, timedelta

from sqlalchemy import update

from engine.reconcile import reconcile
from models import Exchange
from services.exchanges.quotas import year_of
from tests.activity_faults import faulty_activities
from tests.exchanges_support import add_exchange, exchange_workflow_ids
from worker import create_worker


async def ids_past_earlier_tests(session_factory) -> None:
    """The next exchange gets an id no earlier test on this shared dev server gave a run: a completed
    `exchange-1` there would be kept (a completed run is never started again) and listed instead."""
    placeholder = await add_exchange(session_factory, "t0003", "东城小学", start=date.today() - timedelta(days=400), days=14)
    async with session_factory() as session:
        await session.execute(update(Exchange).where(Exchange.id == placeholder)
                              .values(id=random.randrange(10**6, 10**9)))
        await session.commit()


async def test_a_failing_exchange_step_shows_stalled_in_the_runs_list(local_api, local_env, settings, session_factory):
    staff = {"Authorization": "Bearer " + (await local_api.post("/api/v1/auth/token", data={
        "username": "staff01", "password": "demo-pass"})).json()["access_token"]}
    await ids_past_earlier_tests(session_factory)
    quick = settings.model_copy(update={"stall_after_attempts": 2})
    activities = faulty_activities(quick, session_factory, failing={"advance_exchange": lambda: True})
    try:
        async with create_worker(local_env.client, settings=quick, session_factory=session_factory,
                                 activities=activities):
            teacher = (await local_api.get("/api/v1/teachers?q=t0002", headers=staff)).json()["items"][0]
            start = date.today() + timedelta(days=40)
            created = await local_api.post("/api/v1/exchanges", headers=staff, json={
                "teacher_id": teacher["id"], "host_school_id": 2, "kind": "跟岗", "planned_start": start.isoformat(),
                "planned_end": (start + timedelta(days=10)).isoformat()})
            assert created.status_code == 201, created.text
            workflow_id = created.json()["workflow_id"]
            for _ in range(100):
                runs = (await local_api.get("/api/v1/runs?kind=exchange", headers=staff)).json()["items"]
                mine = [run for run in runs if run["workflow_id"] == workflow_id]
                if mine and mine[0]["stalled"]:
                    break
                await asyncio.sleep(0.2)
            assert mine and mine[0]["kind"] == "exchange" and mine[0]["status"] == "RUNNING", runs
            assert mine[0]["stalled"]["activity_type"] == "advance_exchange"
            assert "unreachable" in mine[0]["stalled"]["last_error"]
    finally:
        for workflow_id in await exchange_workflow_ids(session_factory):
            try:
                await local_env.client.get_workflow_handle(workflow_id).terminate("test over")
            except Exception:  # noqa: BLE001 - already finished is fine
                pass


async def test_an_exchange_left_without_its_run_gets_it_from_the_reconciler(local_env, settings, session_factory, demo,
                                                                           worker_on):
    made = await add_exchange(session_factory, "t0002", "东城小学", start=date.today() + timedelta(days=50),
                              days=14, actual=False)  # as if its request died between commit and start
    # An id no earlier test on this shared dev server gave a run (the reconciler never restarts one).
    exchange_id = random.randrange(10**6, 10**9)
    async with session_factory() as session:
        await session.execute(update(Exchange).where(Exchange.id == made).values(id=exchange_id))
        await session.commit()
    try:
        async with worker_on(local_env.client):
            first = await reconcile(local_env.client, settings=settings, session_factory=session_factory)
            assert first == [f"exchange-{exchange_id}"]
            await asyncio.sleep(1)  # visibility is eventually consistent
            assert await reconcile(local_env.client, settings=settings, session_factory=session_factory) == []
            year = year_of(date.today() + timedelta(days=50), settings)
            for workflow_id in (f"exchange-{exchange_id}", f"exchange-quotas-{year}"):
                described = await local_env.client.get_workflow_handle(workflow_id).describe()
                assert described.status.name == "RUNNING", workflow_id
    finally:
        for workflow_id in await exchange_workflow_ids(session_factory):
            try:
                await local_env.client.get_workflow_handle(workflow_id).terminate("test over")
            except Exception:  # noqa: BLE001 - already finished is fine
                pass
