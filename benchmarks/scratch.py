"""A throwaway database for a benchmark run: a fresh SQLite file with the schema, settings that
point at it, and a task queue of its own. The caller disposes of the engine."""

import tempfile
import uuid
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from config import Settings
from db import SessionFactory, create_engine, create_session_factory
from models import Base


async def scratch_database(prefix: str) -> tuple[Settings, AsyncEngine, SessionFactory]:
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    settings = Settings(_env_file=None, environment="test", database_url=f"sqlite+aiosqlite:///{workdir / 'bench.db'}",
                        temporal_task_queue=f"bench-{uuid.uuid4()}")
    engine = create_engine(settings.database_url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    return settings, engine, create_session_factory(engine)
