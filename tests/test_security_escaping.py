"""Hostile text and links, written as the attack: teachers' and staff's text comes back escaped in
the campaign report (API and console, live, stored, and stored before escaping), `javascript:`
links are refused and never become an href, every answer carries the security headers, and robot
Markdown carries user text inert."""

import base64
import hashlib
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, text

from contracts.campaigns.api import CampaignIn, CampaignStatus, ProblemIn
from contracts.campaigns.history import Phase, PhaseStep, PlanStatus
from contracts.notifications.notices import EXAMPLES, NotificationKind
from models import Campaign, Cluster, Reflection, Topic, Training, User
from notifications.channels.base import Message, Recipient, Robot
from notifications.channels.robots import DingTalkRobot, FeishuRobot, WeComRobot
from notifications.render import render
from services.campaigns import report as campaign_report
from services.campaigns import service as campaigns
from tests.browser import chromium, log_in, served
from tests.conftest import console_login

API = "/api/v1"
IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(1)</script>"
HOSTILE = f"{IMG}{SCRIPT}"


async def _hostile_campaign(session_factory) -> dict[str, int]:
    """A campaign in reflect, every piece of text in its report written by an attacker: the
    campaign's title, a problem, its topic, the lead's summary, a training, a reflection."""
    now = datetime.now(timezone.utc)
    async with session_factory() as session:
        users = dict((await session.execute(select(User.username, User.id))).all())
        staff = await session.get(User, users["staff01"])
        cluster = await session.scalar(select(Cluster.id).order_by(Cluster.id))
        campaign = await campaigns.create_campaign(
            session, data=CampaignIn(title=f"活动{HOSTILE}", cluster_ids=[cluster]), by=staff, now=now)
        member = await campaigns.member_of(session, campaign_id=campaign.id, user_id=users["t0003"])
        problem = await campaigns.submit_problem(session, campaign_id=campaign.id, member=member,
                                                 data=ProblemIn(title=f"问题{HOSTILE}", description=HOSTILE))
        topic = Topic(campaign_id=campaign.id, position=0, title=f"专题{HOSTILE}", problem_ids=[problem.id],
                      lead_user_id=users["t0003"], confirmed_by=staff.id, plan_status=PlanStatus.approved,
                      summary_worked=f"做法{HOSTILE}", summary_did_not_work=HOSTILE)
        session.add(topic)
        await session.flush()
        training = Training(campaign_id=campaign.id, topic_id=topic.id, title=f"培训{HOSTILE}", expert=HOSTILE,
                            starts_at=now, ends_at=now + timedelta(hours=1), place="实验小学", scheduled_by=staff.id,
                            online_link="javascript:alert(1)", materials=["javascript:alert(2)", "https://ok.example/m"])
        session.add_all([training, Reflection(campaign_id=campaign.id, user_id=users["t0004"], topic_id=topic.id,
                                              text=f"反思{HOSTILE}")])
        campaign.phase, campaign.step = Phase.reflect, PhaseStep.open
        await session.commit()
        return {"campaign": campaign.id, "training": training.id}


def _assert_escaped(html: str) -> None:
    assert "<img" not in html and "<script" not in html
    for written in ("问题", "专题", "做法", "培训", "反思", "活动"):
        assert f"{written}&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;" in html, written


async def _console(api, username: str) -> None:
    answer = await console_login(api, username, "demo-pass")
    assert answer.status_code == 303, answer.text


async def _reports(api, login, campaign_id: int) -> list[str]:
    """The report as the API and as the console serve it."""
    from_api = await api.get(f"{API}/campaigns/{campaign_id}/report", headers=await login("staff01"))
    from_console = await api.get(f"/console/campaigns/{campaign_id}/report")
    assert from_api.status_code == from_console.status_code == 200
    return [from_api.text, from_console.text]


async def test_hostile_text_is_escaped_in_the_live_and_the_stored_report(api, login, session_factory, settings):
    ids = await _hostile_campaign(session_factory)
    await _console(api, "staff01")
    for html in await _reports(api, login, ids["campaign"]):  # running: the live draft
        _assert_escaped(html)

    async with session_factory() as session:  # completed: rendered once and stored (activities/campaigns.py)
        await campaign_report.store_report(session, campaign_id=ids["campaign"], tz=settings.tz,
                                           at=datetime.now(timezone.utc))
        campaign = await session.get(Campaign, ids["campaign"])
        campaign.status, campaign.phase = CampaignStatus.completed, Phase.completed
        await session.commit()
        _assert_escaped(campaign.report_html)
    for html in await _reports(api, login, ids["campaign"]):
        _assert_escaped(html)


async def test_a_report_stored_unescaped_is_rendered_again_escaped(api, login, session_factory):
    ids = await _hostile_campaign(session_factory)
    rendered_at = datetime(2026, 6, 30, 10, 0, tzinfo=timezone.utc)
    async with session_factory() as session:  # as an earlier release stored it
        campaign = await session.get(Campaign, ids["campaign"])
        campaign.status, campaign.phase = CampaignStatus.completed, Phase.completed
        campaign.report_html = f"<html><body><h1>{HOSTILE}</h1></body></html>"
        campaign.report_markdown, campaign.report_rendered_at = "# 旧报告", rendered_at
        await session.commit()
        # What migration 0010 runs.
        await session.execute(text("UPDATE campaigns SET report_html = NULL WHERE report_html IS NOT NULL"))
        await session.commit()

    await _console(api, "staff01")
    for html in await _reports(api, login, ids["campaign"]):
        _assert_escaped(html)
    markdown = await api.get(f"{API}/campaigns/{ids['campaign']}/report",
                             headers={**await login("staff01"), "Accept": "text/markdown"})
    assert markdown.text == "# 旧报告"
    async with session_factory() as session:  # stored again; the Markdown and its time kept
        campaign = await session.get(Campaign, ids["campaign"])
        _assert_escaped(campaign.report_html)
        assert (campaign.report_markdown, campaign.report_rendered_at) == ("# 旧报告", rendered_at)


@pytest.mark.parametrize("link", ["javascript:alert(1)", " JavaScript:alert(1)", "java\tscript:alert(1)",
                                  "data:text/html,<script>alert(1)</script>", "//evil.example/x", "https://"])
async def test_links_must_be_http_or_https(api, login, link):
    staff, teacher = await login("staff01"), await login("t0003")
    training = {"topic_id": 1, "title": "讲座", "expert": "李教授", "starts_at": "2026-03-01T09:00:00+08:00",
                "ends_at": "2026-03-01T10:00:00+08:00"}
    attempts = [
        (f"{API}/campaigns/1/trainings", {**training, "online_link": link}, staff, ["body", "online_link"]),
        (f"{API}/campaigns/1/trainings", {**training, "place": "实验小学", "materials": [link]}, staff,
         ["body", "materials", 0]),
        (f"{API}/tasks/1/deliver", {"summary": "上了一节课", "links": [link]}, teacher, ["body", "links", 0]),
    ]
    for path, body, headers, field in attempts:
        answer = await api.post(path, json=body, headers=headers)
        assert answer.status_code == 422, (path, answer.text)
        assert [error["loc"] for error in answer.json()["detail"]] == [field], answer.text
    minutes = await api.put(f"{API}/sessions/1/minutes", json={"content": "纪要", "links": [link]}, headers=staff)
    assert minutes.status_code == 422 and minutes.json()["detail"][0]["loc"] == ["body", "links", 0]


async def test_the_console_never_renders_a_stored_script_link_as_an_href(api, session_factory):
    ids = await _hostile_campaign(session_factory)  # links written past the contracts (an older release)
    await _console(api, "t0003")
    page = await api.get(f"/console/campaigns/{ids['campaign']}/trainings/{ids['training']}")
    assert page.status_code == 200, page.text
    assert "javascript:alert(1)" in page.text and 'href="javascript' not in page.text.replace(" ", "").lower()
    assert '<a href="https://ok.example/m" rel="noopener noreferrer">' in page.text


def _assert_security_headers(answer) -> None:
    policy = answer.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer"


async def test_every_answer_carries_the_security_headers(api, login):
    answers = [
        await api.get(f"{API}/campaigns", headers=await login("staff01")),  # API JSON
        await api.get("/console/login"),  # a console page
        await api.get("/console/static/console.css"),
        await api.get(f"{API}/no-such-route"),  # 404
        await api.get("/console/campaigns/999999", headers=await login("staff01")),
        await api.post(f"{API}/auth/token", data={}),  # 422
        await api.post(f"{API}/campaigns", json={"title": ""}, headers=await login("staff01")),
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 404, 303, 422, 422]
    for answer in answers:
        _assert_security_headers(answer)
    docs = await api.get("/docs")  # Swagger UI: its CDN and inline start-up allowed there alone
    assert "https://cdn.jsdelivr.net" in docs.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in docs.headers["content-security-policy"] and docs.headers["x-frame-options"] == "DENY"


async def test_the_report_style_is_the_one_the_policy_allows(api, login, session_factory):
    ids = await _hostile_campaign(session_factory)
    answer = await api.get(f"{API}/campaigns/{ids['campaign']}/report", headers=await login("staff01"))
    (style,) = re.findall(r"<style>(.*?)</style>", answer.text, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in answer.headers["content-security-policy"]


@pytest.mark.browser
async def test_in_a_browser_nothing_runs_and_nothing_the_pages_need_is_blocked(settings, session_factory, demo, ts_env):
    ids = await _hostile_campaign(session_factory)
    base = f"/console/campaigns/{ids['campaign']}"
    async with served(settings, ts_env.client) as base_url, chromium() as browser:
        staff = await log_in(browser, base_url, "staff01")
        dialogs, refused = [], []
        staff.on("dialog", lambda dialog: dialogs.append(dialog.message))
        staff.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text
                 else None)
        for path in ("", "/problems", f"/trainings/{ids['training']}"):
            await staff.goto(f"{base_url}{base}{path}")
            assert await staff.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor") == \
                "rgb(29, 78, 137)", path  # console.css applies
        await staff.goto(f"{base_url}{base}/report")
        assert await staff.evaluate("getComputedStyle(document.querySelector('table')).borderCollapse") == \
            "collapse"  # the report's own style, allowed by its hash
        await staff.goto(f"{base_url}/console/login")
    assert dialogs == [] and refused == []


def test_console_templates_have_no_inline_script_or_style():
    """The policy allows neither: a page that needed them would break in the browser. A script of
    the console's own, from console/static, with nothing inline, is allowed ('self')."""
    own_script = re.compile(r'<script src="/console/static/[a-z_]+\.js" defer></script>')
    for template in (Path(__file__).parent.parent / "console" / "templates").glob("*.html"):
        source = own_script.sub("", template.read_text())
        assert not re.search(r"<script|<style|\sstyle=|\son[a-z]+=|javascript:", source, re.IGNORECASE), template.name


# ---- robot Markdown ----------------------------------------------------------------------------

TITLE = "# 标题 [点我](https://evil.example) <at id=all></at> <@all> @13900000000 **粗** " + IMG


def _robot_message(kind) -> Message:
    payload = EXAMPLES[NotificationKind.training_invitation].model_copy(
        update={"training": TITLE, "place": f"\n# 地点\n> 引用\n- 列表 {TITLE}"})
    return Message(
        notification_id=1, key="k", kind=NotificationKind.training_invitation,
        rendered=render(payload, link="http://127.0.0.1:8000/console/x"),
        recipients=(Recipient(user_id=1, name=f"王老师<at id=all></at>[x](https://evil.example)", mobile="13800000001"),),
        robot=Robot(id=1, kind=kind, url="https://robot.example/send", secret=None))


def _assert_inert(markdown: str) -> None:
    assert "[点我](" not in markdown and "[x](" not in markdown  # links
    assert "<" not in markdown and "@13900000000" not in markdown  # HTML, <at>, <@...>, DingTalk's @mobile
    assert "**粗**" not in markdown
    assert not re.search(r"^\s*([#>]|- )", markdown, re.MULTILINE)  # headings, quotes, lists
    assert "&#91;点我&#93;" in markdown and "&#60;at id=all&#62;" in markdown  # still there, as text


def test_hostile_text_is_inert_in_every_robot_payload(settings):
    dingtalk = DingTalkRobot(settings).request(_robot_message("dingtalk"))[1]
    _assert_inert(dingtalk["markdown"]["text"])
    assert dingtalk["at"] == {"atMobiles": ["13800000001"], "isAtAll": False}
    assert dingtalk["markdown"]["text"].endswith("[报名参加](http://127.0.0.1:8000/console/x)\n\n@13800000001")

    feishu = FeishuRobot(settings).request(_robot_message("feishu"))[1]
    _assert_inert(feishu["card"]["elements"][0]["text"]["content"])
    assert feishu["card"]["header"]["title"]["tag"] == "plain_text"  # shown as it is, never parsed

    wecom = WeComRobot(settings).request(_robot_message("wecom"))[1]
    assert wecom["msgtype"] == "text" and wecom["text"]["mentioned_mobile_list"] == ["13800000001"]


def test_hostile_text_is_escaped_in_e_mail_html():
    html = _robot_message("wecom").rendered.html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
