"""Fixtures and helpers of the series tests. Import the fixtures into a test module:

    from tests.series_support import api, stop_series_runs  # noqa: F401

`api` here is the app on the time-skipping server whose clock is Temporal's virtual clock, so
check-in windows and "upcoming" agree with the workflows. Series workflow ids repeat across
tests (every test's database numbers its series from 1), so each test's runs are terminated."""

import asyncio
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from api.clock import current_time
from config import Settings
from db import SessionFactory
from models import InboxItem, Notification, Series, Teacher, User
from webapp import create_app


@pytest.fixture
async def api(settings: Settings, session_factory: SessionFactory, demo, ts_env) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, temporal=ts_env.client)

    async def virtual_now() -> datetime:
        return await ts_env.get_current_time()

    app.dependency_overrides[current_time] = virtual_now
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000") as client:
            yield client


@pytest.fixture(autouse=True)
async def stop_series_runs(session_factory: SessionFactory, ts_env) -> AsyncIterator[None]:
    yield
    async with session_factory() as session:
        workflow_ids = [series.workflow_id for series in await session.scalars(select(Series))]
    for workflow_id in workflow_ids:
        try:
            await ts_env.client.get_workflow_handle(workflow_id).terminate("test over")
        except Exception:  # noqa: BLE001 - already finished is fine
            pass


SLEEP_STEP = timedelta(hours=6)


async def advance_to(env: WorkflowEnvironment, at: datetime) -> None:
    """Let virtual time run up to `at` (timers due before it fire)."""
    # In steps: one long sleep over many timers can outlast the test server's RPC deadline.
    while (now := await env.get_current_time()) < at:
        await env.sleep(min(at - now, SLEEP_STEP).total_seconds())


async def user_ids(session_factory: SessionFactory, *usernames: str) -> list[int]:
    async with session_factory() as session:
        found = dict((await session.execute(select(User.username, User.id).where(User.username.in_(usernames)))).all())
    return [found[name] for name in usernames]


async def teacher_id(session_factory: SessionFactory, staff_no: str) -> int:
    async with session_factory() as session:
        return await session.scalar(select(Teacher.id).where(Teacher.staff_no == staff_no))


async def recipients(session_factory: SessionFactory, key: str) -> set[int] | None:
    """Who got the notice with this key in their inbox; None if it was never sent."""
    async with session_factory() as session:
        notification_id = await session.scalar(select(Notification.id).where(Notification.key == key))
        if notification_id is None:
            return None
        return set(await session.scalars(select(InboxItem.user_id).where(InboxItem.notification_id == notification_id)))


async def eventually_recipients(session_factory: SessionFactory, key: str, seconds: float = 5) -> set[int]:
    for _ in range(int(seconds * 20)):
        found = await recipients(session_factory, key)
        if found is not None:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"notice {key} was not sent")


async def keys_received(session_factory: SessionFactory, user_id: int, prefix: str = "session:") -> set[str]:
    async with session_factory() as session:
        stmt = (
            select(Notification.key).join(InboxItem, InboxItem.notification_id == Notification.id)
            .where(InboxItem.user_id == user_id, Notification.key.startswith(prefix))
        )
        return set(await session.scalars(stmt))


def monday_after(at: datetime, tz, days: int) -> date:
    day = (at.astimezone(tz) + timedelta(days=days)).date()
    return day - timedelta(days=day.weekday())
