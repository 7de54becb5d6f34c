"""Issue 26, items 1–3: nobody without an account can stall the API. A burst of wrong-password
logins, headers that never end, and X-Forwarded-For from a peer nobody named — against the API as
`make run` serves it (a real process on its own SQLite database with the demo county), and the
throttle's order in-process. The server's per-address limit is lowered to 10 a minute so a burst
costs few argon2 checks; each test sends from a loopback address of its own (127.0.0.x), so one
test's count never spills into another's."""

import asyncio
import secrets
import threading
import time
import uuid
from urllib.parse import urlsplit

import httpx
import pytest

from benchmarks.api_servers import serving
from config import get_settings
from services.accounts import security
from tests.conftest import api_client
from tests.demo_database import demo_county_database

TOKEN = "/api/v1/auth/token"
HEALTH = "/api/v1/health"
SERVER_ADDRESS_LIMIT = 10  # LOGIN_LIMITS_PER_ADDRESS of the server below, per minute
CHUNK = 64 * 1024


@pytest.fixture(scope="module")
async def server(local_env, tmp_path_factory):
    work = tmp_path_factory.mktemp("flood")
    url = f"sqlite+aiosqlite:///{work / 'api.db'}"
    env = {"DATABASE_URL": url, "ENVIRONMENT": "test", "SECRET_KEY": secrets.token_hex(32),
           "TEMPORAL_ADDRESS": local_env.client.service_client.config.target_host,
           "TEMPORAL_TASK_QUEUE": f"test-{uuid.uuid4()}", "TRUSTED_PROXIES": "",
           "LOGIN_LIMITS_PER_ADDRESS": f"{SERVER_ADDRESS_LIMIT}/minute"}
    async with demo_county_database(url):
        with serving("webapp:app", env=env, workers=1, log=work / "api.log") as base_url:
            yield base_url


def client_from(base_url: str, address: str) -> httpx.AsyncClient:
    """A client whose requests come from this loopback address."""
    return httpx.AsyncClient(base_url=base_url, timeout=60, limits=httpx.Limits(max_connections=None),
                             transport=httpx.AsyncHTTPTransport(local_address=address))


def wrong_login(n: int, **headers: str) -> dict:
    return {"url": TOKEN, "data": {"username": f"nobody{n}", "password": "guess"}, "headers": headers}


async def health_while(busy: asyncio.Future, base_url: str) -> list[int]:
    """/health's answers, asked every 50 ms until `busy` is done."""
    answers = []
    async with client_from(base_url, "127.0.0.9") as client:
        while not busy.done():
            answers.append((await client.get(HEALTH)).status_code)
            await asyncio.sleep(0.05)
    return answers


async def test_a_burst_of_wrong_passwords_is_refused_at_once_and_nothing_fails(server):
    async with client_from(server, "127.0.0.3") as client:
        burst = asyncio.gather(*(client.post(**wrong_login(n)) for n in range(200)))
        health = await health_while(burst, server)
        answers = await burst
    statuses = [answer.status_code for answer in answers]
    assert statuses.count(401) == SERVER_ADDRESS_LIMIT and statuses.count(429) == 200 - SERVER_ADDRESS_LIMIT
    assert all(int(a.headers["retry-after"]) > 0 for a in answers if a.status_code == 429)
    assert health and set(health) == {200}


async def test_forwarded_for_from_a_peer_nobody_named_changes_nothing(server):
    """127.0.0.1 is what uvicorn trusted by default: a local user or a same-host proxy."""
    async with client_from(server, "127.0.0.1") as client:
        answers = await asyncio.gather(*(client.post(**wrong_login(n, **{"X-Forwarded-For": f"198.51.100.{n}"}))
                                         for n in range(SERVER_ADDRESS_LIMIT + 5)))
    assert [a.status_code for a in answers].count(429) == 5


async def send_header(base_url: str, *, size: int, end: bool) -> tuple[int, bytes]:
    """A request to /health with one header of `size` bytes, ended or never ended: how many bytes
    of it went out before the server answered or hung up, and what it answered."""
    url = urlsplit(base_url)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    sent = 0

    async def grow() -> None:
        nonlocal sent
        writer.write(b"GET /api/v1/health HTTP/1.1\r\nHost: test\r\nX-Endless: ")
        while sent < size:
            writer.write(b"a" * CHUNK)
            await writer.drain()
            sent += CHUNK
        if end:
            writer.write(b"\r\n\r\n")
            await writer.drain()

    sender = asyncio.create_task(grow())
    reading = asyncio.create_task(reader.read(1024))
    await asyncio.wait({sender, reading}, return_when=asyncio.FIRST_COMPLETED)
    if not reading.done():  # all of it went out: the server has a moment to answer
        await asyncio.wait({reading}, timeout=2)
    sender.cancel()
    reading.cancel()
    answer = reading.result() if reading.done() and not reading.cancelled() and not reading.exception() else b""
    writer.close()
    return sent, answer


async def test_a_megabyte_of_header_is_refused(server):
    sent, answer = await send_header(server, size=1024 * 1024, end=True)
    assert answer == b"" or answer.split(b" ")[1] in (b"400", b"431"), answer[:100]


async def test_a_header_that_never_ends_is_cut_off_while_health_answers(server):
    endless = asyncio.gather(*(send_header(server, size=16 * 1024 * 1024, end=False) for _ in range(3)))
    health = await health_while(endless, server)
    for sent, answer in await endless:
        assert sent < 4 * 1024 * 1024  # cut off after the header limit and what the sockets buffer
        assert answer == b"" or answer.split(b" ")[1] in (b"400", b"431"), answer[:100]
    assert set(health) <= {200}


# ---- in-process: the throttle's order, the argon2 bound, the address it counts ----


@pytest.fixture
async def throttled_api(settings, session_factory, demo, ts_env):
    """The API in-process with low limits: 3 failures per address, 10 attempts per username."""
    settings.login_limits_per_address = "3/minute"
    async with api_client(settings, ts_env.client) as client:
        yield client


async def test_a_burst_from_one_address_is_counted_before_any_password_is_checked(throttled_api):
    answers = await asyncio.gather(*(throttled_api.post(**wrong_login(n)) for n in range(12)))
    assert sorted(a.status_code for a in answers) == [401] * 3 + [429] * 9


async def test_argon2_runs_a_few_at_a_time_and_holds_no_database_connection(api, monkeypatch):
    engine = api._transport.app.state.session_factory.kw["bind"]
    hasher = security._hasher
    lock = threading.Lock()
    in_flight, most, held = 0, 0, set()

    class Counting:
        """The hasher, noting how many checks run at once and the connections checked out then."""

        def __getattr__(self, name):
            return getattr(hasher, name)

        def verify(self, password_hash: str, password: str) -> bool:
            nonlocal in_flight, most
            with lock:
                in_flight += 1
                most = max(most, in_flight)
                held.add(engine.pool.checkedout())
            try:
                time.sleep(0.05)
                return hasher.verify(password_hash, password)
            finally:
                with lock:
                    in_flight -= 1

    monkeypatch.setattr(security, "_hasher", Counting())
    assert (await api.post(**wrong_login(0))).status_code == 401
    assert held == {0}  # alone: while its password was checked, no connection was out
    answers = await asyncio.gather(*(api.post(**wrong_login(n)) for n in range(8)))
    assert {a.status_code for a in answers} == {401} and most <= get_settings().password_check_threads


async def test_forwarded_for_counts_only_from_a_named_proxy(settings, session_factory, demo, ts_env):
    settings.login_limits_per_address = "3/minute"
    async with api_client(settings, ts_env.client) as api:  # its peer is 127.0.0.1, named nowhere
        answers = [await api.post(**wrong_login(n, **{"X-Forwarded-For": f"198.51.100.{n}"})) for n in range(4)]
        assert answers[-1].status_code == 429
    settings.trusted_proxies = "127.0.0.1"
    async with api_client(settings, ts_env.client) as api:
        answers = [await api.post(**wrong_login(n, **{"X-Forwarded-For": f"198.51.100.{n}"})) for n in range(4)]
        assert {a.status_code for a in answers} == {401}  # four addresses, one failure each
        answers = [await api.post(**wrong_login(n, **{"X-Forwarded-For": "203.0.113.7"})) for n in range(4)]
        assert answers[-1].status_code == 429
