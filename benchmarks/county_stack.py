"""The stack an API benchmark serves, as `make run` has it: the Temporal dev server (the bundled
binary, the product's search attributes), a migrated SQLite database holding the demo county,
and the settings and environment the API processes start with."""

import asyncio
import secrets
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from benchmarks.api_servers import serving
from config import Settings
from contracts.search_attributes import ALL as SEARCH_ATTRIBUTES
from db import SessionFactory
from engine.connection import bundled_binary
from models import User
from scripts.run_stack import api_workers
from services.accounts.security import create_access_token
from tests.demo_database import demo_county_database


@asynccontextmanager
async def dev_server() -> AsyncIterator[WorkflowEnvironment]:
    temporal = await WorkflowEnvironment.start_local(dev_server_existing_path=bundled_binary("temporal"),
                                                     search_attributes=SEARCH_ATTRIBUTES,
                                                     data_converter=pydantic_data_converter, ui=False)
    try:
        yield temporal
    finally:
        await temporal.shutdown()
        await asyncio.sleep(0.1)  # lets the dev server's client finish before the interpreter exits


@dataclass(frozen=True)
class Stack:
    settings: Settings
    env: dict[str, str]  # what the API processes read their settings from
    sessions: SessionFactory  # this process's own connection to the same database
    log_dir: Path


def api_settings(url: str, temporal: WorkflowEnvironment) -> tuple[Settings, dict[str, str]]:
    """Settings for a benchmark's database and dev server (a task queue of its own), and the same as
    the environment the API processes are started with."""
    settings = Settings(_env_file=None, environment="test", database_url=url, secret_key=secrets.token_hex(32),
                        temporal_task_queue=f"bench-{uuid.uuid4()}")
    env = {"DATABASE_URL": url, "ENVIRONMENT": "test", "SECRET_KEY": settings.secret_key,
           "TEMPORAL_ADDRESS": temporal.client.service_client.config.target_host,
           "TEMPORAL_TASK_QUEUE": settings.temporal_task_queue}
    return settings, env


@asynccontextmanager
async def sqlite_county(temporal: WorkflowEnvironment, *, prefix: str) -> AsyncIterator[Stack]:
    """A fresh SQLite database, migrated, with the admin and the demo county (staff01, t0001 …)."""
    work = Path(tempfile.mkdtemp(prefix=f"{prefix}-"))
    url = f"sqlite+aiosqlite:///{work / 'bench.db'}"
    settings, env = api_settings(url, temporal)
    async with demo_county_database(url) as sessions:
        yield Stack(settings, env, sessions, work)


@contextmanager
def serving_api(stack: Stack) -> Iterator[str]:
    """The API on this stack's database, with the processes `make run` would start; its base URL."""
    workers = api_workers(stack.settings.database_url)
    with serving("webapp:app", env=stack.env, workers=workers, log=stack.log_dir / "api.log") as api_url:
        yield api_url


def bearer(user_id: int, settings: Settings) -> dict[str, str]:
    """Headers acting as this user, without a login round trip."""
    token = create_access_token(user_id=user_id, token_version=0, settings=settings)  # a fresh login's version
    return {"Authorization": f"Bearer {token}"}


async def user_id(stack: Stack, username: str) -> int:
    async with stack.sessions() as session:
        return await session.scalar(select(User.id).where(User.username == username))
