"""Shared fixtures: a fresh SQLite database and demo county per test, the API in-process, and
the two real Temporal servers (time-skipping for workflows, dev server for visibility).

Every test gets its own task queue, so a worker started by one test never runs another's work."""

import os
import re
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from config import Settings
from contracts.search_attributes import ALL as SEARCH_ATTRIBUTES
from db import SessionFactory, create_engine, create_session_factory
from engine.connection import add_search_attributes, bundled_binary
from models import Base
from services.accounts.service import bootstrap_admin
from services.directory.demo import load_demo_county
from tests.histories.recorder import HistoryRecorder
from webapp import create_app
from worker import create_worker

DEMO_PASSWORD = "demo-pass"
TEST_SECRET_KEY = "test-only-secret-key-" + "k" * 32  # the app has no default key to fall back on
SHM = Path("/dev/shm")
# Processes for the whole suite (pyproject's addopts: `-n auto --dist loadfile`); measured in README,
# How to test. Most tests wait on servers and subprocesses, so more workers than the 2 cores pay.
SUITE_WORKERS = 3


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """The whole suite, or a folder of it, runs on SUITE_WORKERS processes; files or tests named on
    the command line run in this one (a worker's start costs more than it saves there), and so does
    a run recording histories (tests/test_replay.py must not read a file half written). `-n N`
    on the command line wins."""
    if os.environ.get("RECORD_HISTORIES"):
        return 0
    whole = config.args_source is pytest.Config.ArgsSource.TESTPATHS
    return SUITE_WORKERS if whole or any(Path(arg.split("::")[0]).is_dir() for arg in config.args) else 0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked heavy go first: on several workers, a long one begun last would run on alone."""
    items.sort(key=lambda item: item.get_closest_marker("heavy") is None)


@pytest.fixture
async def ts_env(request) -> AsyncIterator[WorkflowEnvironment]:
    """The time-skipping test server: timers fire as soon as the workflow waits on them.

    One per test (it starts in a fraction of a second): a run left waiting by one test, or an
    abandoned child, would otherwise stop the shared virtual clock for every later test.
    With RECORD_HISTORIES set, the test's runs are kept for the replay test (tests/histories/)."""
    recorder = HistoryRecorder()
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=bundled_binary("temporal-test-server"), data_converter=pydantic_data_converter,
        interceptors=[recorder],
    )
    await add_search_attributes(env.client, namespace=env.client.namespace, keys=SEARCH_ATTRIBUTES)
    yield env
    await recorder.save(env.client, request.node.name)
    await env.shutdown()


@pytest.fixture(scope="session")
async def local_env() -> AsyncIterator[WorkflowEnvironment]:
    """The real dev server (in memory): visibility queries, search attributes and Schedules."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=bundled_binary("temporal"),
        search_attributes=SEARCH_ATTRIBUTES,
        data_converter=pydantic_data_converter,
        ui=False,
    )
    yield env
    await env.shutdown()


@pytest.fixture
def database_dir(tmp_path) -> Iterator[Path]:
    """Where the test's SQLite file lives: in memory-backed /dev/shm when the machine has it (the
    county-scale tests write tens of thousands of rows; on disk, fsyncs dominate their time)."""
    if not SHM.is_dir():
        yield tmp_path
        return
    directory = Path(tempfile.mkdtemp(prefix="jiaoyan-test-", dir=SHM))
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def settings(database_dir) -> Settings:
    return Settings(
        _env_file=None,
        environment="test",
        secret_key=TEST_SECRET_KEY,
        database_url=f"sqlite+aiosqlite:///{database_dir / 'test.db'}",
        library_dir=database_dir / "library",
        temporal_task_queue=f"test-{uuid.uuid4()}",
        public_base_url="http://127.0.0.1:8000",
    )


@pytest.fixture
async def session_factory(settings: Settings) -> AsyncIterator[SessionFactory]:
    # The schema from the models; tests/test_migrations.py proves the migrations build the same one.
    engine = create_engine(settings.database_url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    yield create_session_factory(engine)
    await engine.dispose()


@pytest.fixture
async def demo(session_factory: SessionFactory) -> None:
    """The demo county: admin `admin`, staff `staff01`/`staff02`, teachers `t0001`…`t0060`."""
    async with session_factory() as session:
        await bootstrap_admin(session, username="admin", password=DEMO_PASSWORD)
        await load_demo_county(session, password=DEMO_PASSWORD)
        await session.commit()


@asynccontextmanager
async def api_client(settings: Settings, temporal: Client, *,
                     raise_app_exceptions: bool = True) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, temporal=temporal)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
            yield client


@pytest.fixture
async def api(settings: Settings, session_factory: SessionFactory, demo, ts_env) -> AsyncIterator[httpx.AsyncClient]:
    """The API in-process on the demo county, talking to the time-skipping server."""
    async with api_client(settings, ts_env.client) as client:
        yield client


@pytest.fixture
async def local_api(settings: Settings, session_factory: SessionFactory, demo,
                    local_env) -> AsyncIterator[httpx.AsyncClient]:
    """The API in-process on the demo county, talking to the dev server (visibility queries)."""
    async with api_client(settings, local_env.client) as client:
        yield client


@pytest.fixture
def login(api: httpx.AsyncClient) -> Callable[[str], Awaitable[dict[str, str]]]:
    """`headers = await login("staff01")`: bearer headers for a demo user."""
    tokens: dict[str, str] = {}

    async def _login(username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
        if username not in tokens:
            response = await api.post("/api/v1/auth/token", data={"username": username, "password": password})
            assert response.status_code == 200, response.text
            tokens[username] = response.json()["access_token"]
        return {"Authorization": f"Bearer {tokens[username]}"}

    return _login


@pytest.fixture
def worker_on(settings: Settings, session_factory: SessionFactory) -> Callable[[Client], Worker]:
    """`async with worker_on(env.client): ...` runs the product's worker on this test's queue."""

    def _worker(client: Client) -> Worker:
        return create_worker(client, settings=settings, session_factory=session_factory)

    return _worker


async def login_form_csrf(client: httpx.AsyncClient) -> str:
    """The console login form's token, which comes with its page (console/auth.py)."""
    form = await client.get("/console/login")
    return re.search(r'name="csrf" value="([^"]*)"', form.text).group(1)


async def console_login(client: httpx.AsyncClient, username: str, password: str = DEMO_PASSWORD,
                        **fields: str) -> httpx.Response:
    """Logs in through the console's form, as a browser does: its page first, then the post."""
    return await client.post("/console/login", data={"username": username, "password": password,
                                                     "csrf": await login_form_csrf(client), **fields})
