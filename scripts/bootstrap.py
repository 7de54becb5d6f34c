"""Prepare the database: apply migrations, create the first admin, load the demo county.

    python -m scripts.bootstrap        (make run does this before starting the processes)
"""

import asyncio
import logging

from alembic import command
from alembic.config import Config

from config import ROOT, Settings, get_settings
from db import create_engine, create_session_factory
from services.accounts.service import bootstrap_admin
from services.directory.demo import load_demo_county

log = logging.getLogger("bootstrap")


def migrate(database_url: str, revision: str = "head") -> None:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logging"] = False
    command.upgrade(config, revision)


async def seed(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    async with create_session_factory(engine)() as session:
        if await bootstrap_admin(session, username=settings.admin_username, password=settings.admin_password):
            log.info("created admin %s", settings.admin_username)
        if settings.demo_data and await load_demo_county(session, password=settings.demo_password, programmes=True):
            log.info("loaded the demo county (示例区)")
        await session.commit()
    await engine.dispose()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = get_settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    migrate(settings.database_url)
    asyncio.run(seed(settings))


if __name__ == "__main__":
    main()
