"""A database at a given URL, migrated to head, holding the admin and the demo county (staff01,
t0001 …): for tests and benchmarks that need the real schema on a server of their own."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from db import SessionFactory, create_engine, create_session_factory
from scripts.bootstrap import migrate
from services.accounts.service import bootstrap_admin
from services.directory.demo import load_demo_county

PASSWORD = "demo-pass"


@asynccontextmanager
async def demo_county_database(url: str) -> AsyncIterator[SessionFactory]:
    await asyncio.to_thread(migrate, url)  # Alembic runs its own event loop
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    async with sessions() as session:
        await bootstrap_admin(session, username="admin", password=PASSWORD)
        await load_demo_county(session, password=PASSWORD)
        await session.commit()
    try:
        yield sessions
    finally:
        await engine.dispose()
