"""Fixtures and helpers of the mentor pair tests. Import the fixtures into a test module:

    from tests.mentoring_support import api, stop_pair_runs  # noqa: F401

`api` is the series tests' app on the time-skipping server (its "now" is Temporal's virtual
clock). Pair workflow ids repeat across tests (every database numbers its pairs from 1), so each
test's runs are terminated."""

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from db import SessionFactory
from models import MentoringPair
from tests.series_support import api, teacher_id  # noqa: F401 - a fixture, re-exported

STEP = timedelta(days=5)  # a pair has a few timers a month: long virtual sleeps are safe


@pytest.fixture(autouse=True)
async def stop_pair_runs(session_factory: SessionFactory, ts_env) -> AsyncIterator[None]:
    yield
    async with session_factory() as session:
        workflow_ids = [pair.workflow_id for pair in await session.scalars(select(MentoringPair))]
    for workflow_id in workflow_ids:
        try:
            await ts_env.client.get_workflow_handle(workflow_id).terminate("test over")
        except Exception:  # noqa: BLE001 - already finished is fine
            pass


async def advance_to(env: WorkflowEnvironment, at: datetime) -> None:
    while (now := await env.get_current_time()) < at:
        await env.sleep(min(at - now, STEP).total_seconds())


def next_school_year(now: datetime) -> int:
    """The first year of the next school year to start (1 September after now)."""
    return now.year if (now.month, now.day) < (9, 1) else now.year + 1


async def new_pair(api: httpx.AsyncClient, staff: dict, session_factory: SessionFactory, *, year: int,
                   mentor: str = "t0007", mentee: str = "t0002", **programme) -> dict:
    created = await api.post("/api/v1/mentoring/programmes", headers=staff,
                             json={"cluster_id": 1, "school_year": f"{year}-{year + 1}", **programme})
    assert created.status_code == 201, created.text
    pair = await api.post(f"/api/v1/mentoring/programmes/{created.json()['id']}/pairs", headers=staff, json={
        "mentor_teacher_id": await teacher_id(session_factory, mentor),
        "mentee_teacher_id": await teacher_id(session_factory, mentee),
        "subject": "语文", "goals": "一年内独立执教校级公开课"})
    assert pair.status_code == 201, pair.text
    return pair.json()
