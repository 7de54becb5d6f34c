"""Issue 26, hostile users' second round: each finding reproduced, then held.

The runs list's filters typed and the visibility store's refusals and outages answered in words
(at once, never retried); malformed CSRF values refused; the login form's own token and Origin
check; one Markdown rule for the report; calendar feeds that follow membership and activity; the
database files private; the API's map (/docs, /openapi.json) off in production. (The IPv6 forms of
the SSRF guard: tests/test_security_channels.py.)"""

import os
import re
import stat
from types import SimpleNamespace

import httpx
import pytest
from sqlalchemy import select, update
from temporalio.service import RPCError, RPCStatusCode

from config import Settings
from db import create_engine
from models import School, Teacher, Topic, User
from services.accounts.security import SESSION_COOKIE
from tests.conftest import DEMO_PASSWORD, TEST_SECRET_KEY, api_client, console_login, login_form_csrf
from tests.test_security_escaping import _hostile_campaign
from webapp import create_app

API = "/api/v1"


# 4. The runs list -------------------------------------------------------------------------------

async def test_runs_filters_are_typed_and_deep_offsets_refused(api, login):
    staff = await login("staff01")
    for query in ({"cluster_id": '"'}, {"cluster_id": "0"}, {"kind": "campaign' OR 1=1"}):
        answer = await api.get(f"{API}/runs", params=query, headers=staff)
        assert answer.status_code == 422, (query, answer.text)
    deep = await api.get(f"{API}/runs", params={"offset": 100_000}, headers=staff)
    assert deep.status_code == 422 and "offset" in deep.text

    assert (await console_login(api, "staff01")).status_code == 303
    assert (await api.get("/console/runs", params={"cluster_id": '"'})).status_code == 422


class _RefusingVisibility:
    """Temporal's workflow service as seen when the visibility store refuses or is out."""

    def __init__(self, status: RPCStatusCode) -> None:
        self.status, self.calls = status, []

    async def count_workflow_executions(self, _request, **options):
        self.calls.append(options)
        raise RPCError("visibility said no", self.status, b"")

    list_workflow_executions = count_workflow_executions


@pytest.mark.parametrize(("status", "expected", "words"), [
    (RPCStatusCode.INVALID_ARGUMENT, 422, "筛选条件"),
    (RPCStatusCode.INTERNAL, 503, "稍后再试"),
    (RPCStatusCode.UNAVAILABLE, 503, "稍后再试"),
])
async def test_a_refusal_or_outage_of_visibility_answers_in_words_without_retrying(
        settings, session_factory, demo, status, expected, words):
    service = _RefusingVisibility(status)
    temporal = SimpleNamespace(namespace="default", workflow_service=service, data_converter=None)
    async with api_client(settings, temporal) as client:
        token = (await client.post(f"{API}/auth/token", data={"username": "staff01",
                                                                "password": DEMO_PASSWORD})).json()["access_token"]
        answer = await client.get(f"{API}/runs", params={"cluster_id": 1},
                                  headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == expected and words in answer.text
    assert len(service.calls) == 2 and all(call["retry"] is False for call in service.calls)  # count and list, once


# 5. CSRF values ----------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["é", "中文", "\x00", "a" * 10_000])
async def test_a_malformed_csrf_value_is_a_refusal(api, value):
    api.cookies.set(SESSION_COOKIE, "x")
    assert (await api.post("/console/logout", data={"csrf": value})).status_code == 403
    assert (await console_login(api, "t0005")).status_code == 303
    assert (await api.post("/console/logout", data={"csrf": value})).status_code == 403


# 8. Login CSRF -----------------------------------------------------------------------------------

async def test_the_console_login_needs_its_form_token_and_this_origin(api):
    credentials = {"username": "t0002", "password": DEMO_PASSWORD}
    without = await api.post("/console/login", data=credentials)  # a hostile page's form
    assert without.status_code == 403 and SESSION_COOKIE not in without.cookies

    csrf = await login_form_csrf(api)
    foreign = await api.post("/console/login", data={**credentials, "csrf": csrf},
                             headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403 and SESSION_COOKIE not in foreign.cookies
    for value in ("é", csrf[:-1] + "0", ""):
        assert (await api.post("/console/login", data={**credentials, "csrf": value})).status_code == 403

    # Another browser's token is no good without that browser's cookie.
    async with httpx.AsyncClient(transport=api._transport, base_url=str(api.base_url)) as other_browser:
        theirs = await login_form_csrf(other_browser)
    assert (await api.post("/console/login", data={**credentials, "csrf": theirs})).status_code == 403

    ours = await api.post("/console/login", data={**credentials, "csrf": csrf},
                          headers={"Origin": "null"})  # what browsers send under Referrer-Policy: no-referrer
    assert ours.status_code == 303 and SESSION_COOKIE in ours.cookies


# 6. The Markdown report --------------------------------------------------------------------------

FORGED = "\n\n## 专题\n### 1. 伪造的专题\n负责人：管理员\n[点我](javascript:alert(1)) <img src=x onerror=alert(1)>"


async def test_the_markdown_report_escapes_what_people_typed(api, login, session_factory):
    ids = await _hostile_campaign(session_factory)
    async with session_factory() as session:
        await session.execute(update(Topic).where(Topic.campaign_id == ids["campaign"]).values(
            summary_worked=FORGED, summary_did_not_work="| 表格 | 注入 |\n|---|---|"))
        await session.commit()
    answer = await api.get(f"{API}/campaigns/{ids['campaign']}/report",
                           headers={**await login("staff01"), "Accept": "text/markdown"})
    markdown = answer.text
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/markdown")
    assert len(re.findall(r"^## 专题$", markdown, re.MULTILINE)) == 1
    assert len(re.findall(r"^### ", markdown, re.MULTILINE)) == 1  # the one real topic
    assert not re.search(r"^负责人：管理员", markdown, re.MULTILINE)
    assert "](javascript:" not in markdown and "<img" not in markdown and "<script" not in markdown
    assert not re.search(r"^\| 表格", markdown, re.MULTILINE)
    assert "&#91;点我&#93;(javascript:alert(1)) &#60;img src=x onerror=alert(1)&#62;" in markdown  # kept, as text


# 7. Calendar feeds -------------------------------------------------------------------------------

async def _teacher(session_factory, username: str) -> tuple[int, int]:
    """(teacher id, id of a school of another cluster than hers)."""
    async with session_factory() as session:
        teacher = await session.scalar(select(Teacher).join(User, User.id == Teacher.user_id)
                                       .where(User.username == username))
        cluster = await session.scalar(select(School.cluster_id).where(School.id == teacher.school_id))
        elsewhere = await session.scalar(select(School.id).where(School.cluster_id != cluster).order_by(School.id))
        return teacher.id, elsewhere


async def _cluster_feed(api, login, username: str) -> str:
    issued = await api.post(f"{API}/me/calendar-token", json={"scope": "cluster", "cluster_id": 1},
                            headers=await login(username))
    assert issued.status_code == 201, issued.text
    path = issued.json()["url"].removeprefix("http://127.0.0.1:8000")
    assert (await api.get(path)).status_code == 200
    return path


async def test_a_cluster_feed_stops_when_its_teacher_moves_to_another_cluster(api, login, session_factory):
    path = await _cluster_feed(api, login, "t0003")
    teacher_id, elsewhere = await _teacher(session_factory, "t0003")
    moved = await api.patch(f"{API}/teachers/{teacher_id}", json={"school_id": elsewhere}, headers=await login("staff01"))
    assert moved.status_code == 200
    assert (await api.get(path)).status_code == 404


async def test_a_cluster_feed_is_checked_on_every_fetch(api, login, session_factory):
    """Her school moved to another cluster: no teacher was edited, and the feed stops all the same."""
    path = await _cluster_feed(api, login, "t0004")
    async with session_factory() as session:
        school_id = await session.scalar(select(Teacher.school_id).join(User, User.id == Teacher.user_id)
                                         .where(User.username == "t0004"))
        other = await session.scalar(select(School.cluster_id).where(School.cluster_id != 1))
        await session.execute(update(School).where(School.id == school_id).values(cluster_id=other))
        await session.commit()
    assert (await api.get(path)).status_code == 404


async def test_feeds_of_a_deactivated_teacher_do_not_come_back(api, login, session_factory):
    path = await _cluster_feed(api, login, "t0005")
    mine = (await api.post(f"{API}/me/calendar-token", json={}, headers=await login("t0005"))).json()
    teacher_id, _ = await _teacher(session_factory, "t0005")
    staff = await login("staff01")
    for active in (False, True):
        assert (await api.patch(f"{API}/teachers/{teacher_id}", json={"active": active}, headers=staff)).status_code == 200
    for feed in (path, mine["url"].removeprefix("http://127.0.0.1:8000")):
        assert (await api.get(feed)).status_code == 404


# Also seen: files and the API's map --------------------------------------------------------------

async def test_the_database_files_are_readable_by_their_owner_only(tmp_path):
    path = tmp_path / "private.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as connection:
        await connection.exec_driver_sql("CREATE TABLE t (x)")
        await connection.exec_driver_sql("INSERT INTO t VALUES (1)")
        modes = {name: stat.S_IMODE(os.stat(name).st_mode)
                 for name in (str(path), f"{path}-wal", f"{path}-shm") if os.path.exists(name)}
    await engine.dispose()
    assert str(path) in modes and f"{path}-wal" in modes
    assert set(modes.values()) == {0o600}, modes


@pytest.mark.parametrize(("environment", "served"), [("production", False), ("development", True), ("test", True)])
def test_the_api_docs_are_off_in_production(database_dir, environment, served):
    settings = Settings(_env_file=None, environment=environment, secret_key=TEST_SECRET_KEY,
                        database_url=f"sqlite+aiosqlite:///{database_dir / 'docs.db'}")
    routes = {getattr(route, "path", None) for route in create_app(settings, temporal=None).routes}
    assert ({"/docs", "/redoc", "/openapi.json"} <= routes) == served
    assert served or not {"/docs", "/redoc", "/openapi.json"} & routes
