"""Helpers for the campaign tests: the API on the time-skipping clock, polling, inbox reading."""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from api.clock import current_time
from config import Settings
from contracts.campaigns.api import CampaignIn
from db import SessionFactory
from models import Cluster, InboxItem, Notification, User
from services.campaigns import service as campaigns
from webapp import create_app

API = "/api/v1"


@asynccontextmanager
async def api_on_virtual_time(settings: Settings, env: WorkflowEnvironment) -> AsyncIterator[httpx.AsyncClient]:
    """The API whose clock is the Temporal test server's, so check-in windows and due dates
    line up with the workflow's timers."""
    app = create_app(settings, temporal=env.client)

    async def virtual_now() -> datetime:
        return await env.get_current_time()

    app.dependency_overrides[current_time] = virtual_now
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000", timeout=60) as client:
            yield client


async def eventually(check: Callable[[], Awaitable[Any]], *, timeout: float = 20.0) -> Any:
    """Poll until `check()` is truthy (activities run in real time after a virtual jump)."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s: {check}")
        await asyncio.sleep(0.05)


async def collecting_campaign(session_factory: SessionFactory) -> int:
    """A campaign collecting problems in the first cluster, written by the service (no run)."""
    async with session_factory() as session:
        staff = await session.scalar(select(User).where(User.username == "staff01"))
        cluster = await session.scalar(select(Cluster.id).order_by(Cluster.id))
        campaign = await campaigns.create_campaign(session, data=CampaignIn(title="截止前夜", cluster_ids=[cluster]),
                                                   by=staff, now=datetime.now(timezone.utc))
        await session.commit()
        return campaign.id


async def user_ids(session_factory: SessionFactory) -> dict[str, int]:
    async with session_factory() as session:
        return dict((await session.execute(select(User.username, User.id))).all())


async def inbox(session_factory: SessionFactory, campaign_id: int) -> dict[str, set[int]]:
    """Notice key (without the campaign prefix) → who got an inbox copy."""
    async with session_factory() as session:
        rows = await session.execute(
            select(Notification.key, InboxItem.user_id).join(InboxItem, InboxItem.notification_id == Notification.id)
            .where(Notification.campaign_id == campaign_id))
    got: dict[str, set[int]] = {}
    prefix = f"campaign:{campaign_id}:"
    for key, user_id in rows:
        got.setdefault(key.removeprefix(prefix), set()).add(user_id)
    return got


async def notice_keys(session_factory: SessionFactory, campaign_id: int) -> set[str]:
    async with session_factory() as session:
        keys = await session.scalars(select(Notification.key).where(Notification.campaign_id == campaign_id))
    return {k.removeprefix(f"campaign:{campaign_id}:") for k in keys}


def iso(delta: timedelta) -> str:
    """ISO 8601 duration for the schedule (whole seconds)."""
    return f"PT{int(delta.total_seconds())}S"


# Fixtures for campaign tests on virtual time; a test module imports them by name.

@pytest.fixture
def settings(settings):
    """No SMTP server here: one quick failed attempt per e-mail, so no real-time backoff holds
    the time-skipping clock (the inbox copy, which the tests read, is written regardless)."""
    return settings.model_copy(update={"delivery_attempts": 1, "delivery_retry_base_seconds": 0.0})

@pytest.fixture
async def vapi(settings, session_factory, demo, ts_env):
    async with api_on_virtual_time(settings, ts_env) as client:
        yield client


@pytest.fixture
def login(vapi):
    tokens: dict[str, dict[str, str]] = {}

    async def _login(username: str) -> dict[str, str]:
        if username not in tokens:
            response = await vapi.post(f"{API}/auth/token", data={"username": username, "password": "demo-pass"})
            assert response.status_code == 200, response.text
            tokens[username] = {"Authorization": f"Bearer {response.json()['access_token']}"}
        return tokens[username]

    return _login
