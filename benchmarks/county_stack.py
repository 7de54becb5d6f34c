"""The stack an API benchmark serves, as `make run` has it: the Temporal dev server (the bundled
binary, the product's search attributes), a migrated SQLite database holding the demo county,
and the settings and environment the API processes start with."""

import asyncio
import secrets
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from config import Settings
from contracts.search_attributes import ALL as SEARCH_ATTRIBUTES
from db import SessionFactory, create_engine, create_session_factory
from engine.connection import bundled_binary
from models import User
from scripts.bootstrap import migrate
from services.accounts import bootstrap_admin
from services.demo import load_demo_county


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


@asynccontextmanager
async def sqlite_county(temporal: WorkflowEnvironment, *, prefix: str) -> AsyncIterator[Stack]:
    """A fresh SQLite database, migrated, with the admin and the demo county (staff01, t0001 …)."""
    work = Path(tempfile.mkdtemp(prefix=f"{prefix}-"))
    url = f"sqlite+aiosqlite:///{work / 'bench.db'}"
    await asyncio.to_thread(migrate, url)  # Alembic runs its own event loop
    settings = Settings(_env_file=None, environment="test", database_url=url, secret_key=secrets.token_hex(32),
                        temporal_task_queue=f"bench-{uuid.uuid4()}")
    env = {"DATABASE_URL": url, "ENVIRONMENT": "test", "SECRET_KEY": settings.secret_key,
           "TEMPORAL_ADDRESS": temporal.client.service_client.config.target_host,
           "TEMPORAL_TASK_QUEUE": settings.temporal_task_queue}
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    async with sessions() as session:
        await bootstrap_admin(session, username="admin", password="demo-pass")
        await load_demo_county(session, password="demo-pass")
        await session.commit()
    try:
        yield Stack(settings, env, sessions, work)
    finally:
        await engine.dispose()


async def user_id(stack: Stack, username: str) -> int:
    async with stack.sessions() as session:
        return await session.scalar(select(User.id).where(User.username == username))
