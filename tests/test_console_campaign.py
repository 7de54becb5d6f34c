"""Order-style campaigns in the console (browser), on the real dev server so the timeline's
Temporal times and the audit times share one clock: staff launch through the form, a teacher
follows her inbox notice to the problem form, another votes, the board counts them and names who
has not submitted, the admin reads those actions with names and times in the run's timeline."""

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from contracts.campaigns.api import CampaignIn, ProblemIn
from contracts.campaigns.history import Phase, PhaseStep, PlanStatus, TaskKind
from models import (
    AuditEntry, Campaign, Cluster, InboxItem, Plan, PlanStage, Task, Topic, TopicProposalRow, Training, User,
)
from services.campaigns import service as campaigns
from tests.browser import chromium, log_in, screenshot, served
from tests.campaign_helpers import eventually
from tests.conftest import api_client, console_login

pytestmark = pytest.mark.browser


@pytest.fixture
def settings(settings):
    """No SMTP server here: one quick failed attempt per e-mail (the inbox copy is written anyway)."""
    return settings.model_copy(update={"delivery_attempts": 1, "delivery_retry_base_seconds": 0.0})


async def _first_cluster(session_factory) -> int:
    async with session_factory() as session:
        return await session.scalar(select(Cluster.id).order_by(Cluster.id))


async def _names(session_factory, *usernames: str) -> dict[str, str]:
    async with session_factory() as session:
        rows = await session.execute(select(User.username, User.display_name).where(User.username.in_(usernames)))
        return dict(rows.all())


async def _opened_notice(session_factory, username: str, campaign_id: int) -> InboxItem | None:
    async with session_factory() as session:
        return await session.scalar(
            select(InboxItem).join(User, User.id == InboxItem.user_id)
            .where(User.username == username, InboxItem.link == f"/console/campaigns/{campaign_id}/problems/new"))


async def _terminate_runs(session_factory, client) -> None:
    """Workflow ids repeat across tests (every database numbers campaigns from 1)."""
    async with session_factory() as session:
        workflow_ids = list(await session.scalars(select(Campaign.workflow_id)))
    for workflow_id in workflow_ids:
        try:
            await client.get_workflow_handle(workflow_id).terminate("test over")
        except Exception:  # noqa: BLE001 - already finished is fine
            pass


async def test_launch_submit_vote_board_and_timeline(settings, session_factory, demo, local_env, worker_on):
    names = await _names(session_factory, "t0003", "t0004")
    cluster_id = await _first_cluster(session_factory)
    async with served(settings, local_env.client) as base_url, worker_on(local_env.client), chromium() as browser:
        try:
            staff = await log_in(browser, base_url, "staff01", next_path="/console/campaigns")
            await staff.click("#new-campaign")
            await staff.fill("#f-title", "2026 春季语文订单式教研")
            await staff.check(f"input[name=cluster_ids][value='{cluster_id}']")
            await staff.fill("#f-length", "30")
            await staff.select_option("#f-unit", "minutes")
            await staff.click("button[type=submit]:has-text('发起')")
            await staff.wait_for_url(re.compile(r"/console/campaigns/\d+\?done=launched"))
            campaign_id = int(re.search(r"/campaigns/(\d+)", staff.url).group(1))
            assert "征集问题" in await staff.inner_text("#progress .current")

            # The teacher follows the campaign-opened notice from her inbox to the problem form.
            item = await eventually(lambda: _opened_notice(session_factory, "t0003", campaign_id))
            teacher = await log_in(browser, base_url, "t0003", next_path="/console/inbox")
            await teacher.click(f"a[href='/console/inbox/{item.id}']")
            await teacher.wait_for_url(f"**/console/campaigns/{campaign_id}/problems/new")
            await teacher.fill("#f-title", "学生写作文无话可写，内容空洞")
            await teacher.fill("#f-description", "五年级习作课上，多数学生只写三五句。")
            await teacher.fill("#f-grade", "五年级")
            await teacher.fill("#f-tags", "作文，写作素材")
            await teacher.click("button[type=submit]:has-text('提交')")
            await teacher.wait_for_url("**/problems?done=problem")
            assert "我提交的" in await teacher.inner_text("#problems")

            voter = await log_in(browser, base_url, "t0004", next_path=f"/console/campaigns/{campaign_id}")
            await voter.click("#problems .problem button:has-text('投票')")
            await voter.wait_for_url("**/problems?done=vote")
            assert "1 票" in await voter.inner_text("#problems .problem")

            await staff.goto(f"{base_url}/console/campaigns/{campaign_id}")
            assert await staff.inner_text("#problems-count") == "1"
            assert await staff.inner_text("#votes-count") == "1"
            waiting = await staff.inner_text("#not-acted")
            assert "19 人" in waiting and names["t0004"] in waiting and names["t0003"] not in waiting
            await screenshot(staff, "campaign-board")

            admin = await log_in(browser, base_url, "admin", next_path=f"/console/runs/campaign-{campaign_id}")
            actions = await admin.locator("#timeline tr.entry-audit").all_inner_texts()
            submitted = [row for row in actions if names["t0003"] in row and "提交教学问题" in row]
            voted = [row for row in actions if names["t0004"] in row and "投票" in row]
            launched = [row for row in actions if "周教研" in row and "发起订单式教研" in row]
            assert submitted and voted and launched
            assert all(re.search(r"\d{2}月\d{2}日 \d{2}:\d{2}", row) for row in submitted + voted)
            assert await admin.locator("#timeline tr.entry-temporal").count() > 0  # merged with the history
            await screenshot(admin, "run-timeline")
        finally:
            await _terminate_runs(session_factory, local_env.client)

    async with session_factory() as session:  # the staff's launch through the console is audited too
        launches = (await session.scalars(select(AuditEntry).where(AuditEntry.route == "/console/campaigns/new"))).all()
        assert [entry.actor_name for entry in launches] == ["周教研"]
        assert launches[0].payload["body"]["title"] == "2026 春季语文订单式教研"


async def test_problem_form_keeps_input_on_error_and_refuses_outsiders(settings, session_factory, demo, local_env):
    # No workflow needed: the form only reads the campaign's phase, which starts at collect_topics.
    async with session_factory() as session:
        staff = await session.scalar(select(User).where(User.username == "staff01"))
        campaign = await campaigns.create_campaign(
            session, data=CampaignIn(title="表单测试", cluster_ids=[await _first_cluster(session_factory)]),
            by=staff, now=datetime.now(timezone.utc))
        await session.commit()
    form = f"/console/campaigns/{campaign.id}/problems/new"
    async with served(settings, local_env.client) as base_url, chromium() as browser:
        teacher = await log_in(browser, base_url, "t0003", next_path=form)
        await teacher.fill("#f-description", "课堂提问时没人举手")
        await teacher.fill("#f-tags", "提问")
        async with teacher.expect_response(lambda r: r.request.method == "POST") as answer:
            await teacher.click("button[type=submit]:has-text('提交')")
        assert (await answer.value).status == 422
        assert "请填写此项" in await teacher.inner_text("#error-title")
        assert await teacher.input_value("#f-description") == "课堂提问时没人举手"
        assert await teacher.input_value("#f-tags") == "提问"

        outsider = await log_in(browser, base_url, "t0021")  # second cluster
        response = await outsider.goto(f"{base_url}{form}")
        assert response.status == 403
        assert "不在本活动范围内" in await outsider.inner_text("#error-form")


async def _campaign_in_practise(session_factory) -> dict[str, int]:
    """A campaign as the workflow would leave it in practise: a problem, its proposal, a topic led
    by t0003 with an approved plan, a task for t0004, a training now (no run needed to read it)."""
    now = datetime.now(timezone.utc)
    async with session_factory() as session:
        users = dict((await session.execute(select(User.username, User.id))).all())
        staff = await session.get(User, users["staff01"])
        campaign = await campaigns.create_campaign(
            session, data=CampaignIn(title="深链测试", cluster_ids=[await _first_cluster(session_factory)]),
            by=staff, now=now)
        member = await campaigns.member_of(session, campaign_id=campaign.id, user_id=users["t0003"])
        problem = await campaigns.submit_problem(session, campaign_id=campaign.id, member=member,
                                                 data=ProblemIn(title="学生不敢开口说英语"))
        session.add(TopicProposalRow(campaign_id=campaign.id, rank=1, suggested_title="英语口语", problem_ids=[problem.id],
                                     votes=0, teachers=1, schools=1, shared_terms=["英语", "开口"]))
        topic = Topic(campaign_id=campaign.id, position=0, title="英语口语", problem_ids=[problem.id],
                      lead_user_id=users["t0003"], confirmed_by=staff.id, plan_status=PlanStatus.approved)
        session.add(topic)
        await session.flush()
        plan = Plan(campaign_id=campaign.id, topic_id=topic.id, goal="让学生敢说", submitted_by=users["t0003"],
                    status=PlanStatus.approved)
        session.add(plan)
        await session.flush()
        stage = PlanStage(plan_id=plan.id, position=0, title="课例研讨", kind=TaskKind.research_lesson,
                          due_at=now + timedelta(days=7), assignee_user_ids=[users["t0004"]])
        session.add(stage)
        await session.flush()
        task = Task(campaign_id=campaign.id, topic_id=topic.id, stage_id=stage.id, assignee_user_id=users["t0004"],
                    title="课例研讨", kind=TaskKind.research_lesson, due_at=stage.due_at)
        training = Training(campaign_id=campaign.id, topic_id=topic.id, title="口语教学讲座", expert="李教授",
                            starts_at=now, ends_at=now + timedelta(hours=1), place="实验小学", scheduled_by=staff.id)
        session.add_all([task, training])
        campaign.phase, campaign.step = Phase.practise, PhaseStep.open
        await session.commit()
        return {"campaign": campaign.id, "topic": topic.id, "training": training.id, "task": task.id, "stage": stage.id}


async def _console_login(client, username: str) -> None:
    answer = await console_login(client, username, "demo-pass")
    assert answer.status_code == 303, answer.text


async def test_every_deep_link_opens_a_page_and_tasks_are_delivered(settings, session_factory, demo, local_env):
    ids = await _campaign_in_practise(session_factory)
    base = f"/console/campaigns/{ids['campaign']}"
    links = {  # the notices' links (workflows/campaign.py) and the pages they lead on to
        "staff01": ["", "/problems", "/topic-proposals", f"/topics/{ids['topic']}/plan", f"/trainings/{ids['training']}",
                    "/report"],
        "t0003": ["", "/problems", f"/topics/{ids['topic']}/plan", f"/trainings/{ids['training']}", "/report"],
    }
    for username, paths in links.items():
        async with api_client(settings, local_env.client) as client:
            await _console_login(client, username)
            for path in paths:
                answer = await client.get(base + path)
                assert answer.status_code == 200, (username, path, answer.text[:500])
            for path in ("/console/campaigns", "/console/me", "/console/me/tasks"):
                assert (await client.get(path)).status_code == 200, (username, path)

    async with api_client(settings, local_env.client) as client:
        await _console_login(client, "t0004")
        tasks = await client.get("/console/me/tasks")
        assert "课例研讨" in tasks.text
        empty = await client.get("/console/me/tasks")  # the CSRF token is in every form
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', empty.text).group(1)
        refused = await client.post(f"/console/tasks/{ids['task']}/deliver", data={"csrf": csrf, "summary": " "})
        assert refused.status_code == 422 and 'id="error-summary"' in refused.text
        delivered = await client.post(f"/console/tasks/{ids['task']}/deliver",
                                      data={"csrf": csrf, "summary": "上了一节口语课", "links": "https://example.org/v1"})
        assert delivered.status_code == 303 and delivered.headers["location"] == "/console/me/tasks?done=deliver"
        reflection = await client.get(f"{base}/reflections/new")
        assert reflection.status_code == 200
        too_early = await client.post(f"{base}/reflections", data={"csrf": csrf, "text": "有收获"})
        assert too_early.status_code == 409 and "研讨实践" in too_early.text

    async with api_client(settings, local_env.client) as client:  # the topic's lead, with a mistyped 工号
        await _console_login(client, "t0003")
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', (await client.get("/console/me")).text).group(1)
        bad_plan = await client.post(f"{base}/topics/{ids['topic']}/plan", data={
            "csrf": csrf, "goal": "让学生敢说", "stages": "课例研讨 | 2099-03-01 | t0004,t9999"})
        assert bad_plan.status_code == 422 and "找不到工号 t9999" in bad_plan.text
        plan_page = f"{base}/topics/{ids['topic']}/plan"
        assert f'id="stage-done-{ids["stage"]}"' in (await client.get(plan_page)).text
        done = await client.post(f"{base}/topics/{ids['topic']}/stages/{ids['stage']}/done", data={"csrf": csrf})
        assert done.status_code == 303
        summary = await client.post(f"{base}/topics/{ids['topic']}/summary", data={
            "csrf": csrf, "worked": "同伴互评<script>alert(1)</script>", "did_not_work": "只放视频"})
        assert summary.status_code == 303
        page = (await client.get(plan_page)).text
        assert 'id="stage-done-' not in page and "同伴互评&lt;script&gt;" in page and "只放视频" in page

    async with api_client(settings, local_env.client) as api:  # the API reads through the same services
        token = (await api.post("/api/v1/auth/token", data={"username": "staff01", "password": "demo-pass"})).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        detail = (await api.get(f"/api/v1/campaigns/{ids['campaign']}", headers=headers)).json()
        assert detail["problems"] == 1 and detail["topics"][0]["plan_status"] == "approved"
        plan = (await api.get(f"/api/v1/campaigns/{ids['campaign']}/topics/{ids['topic']}/plan", headers=headers)).json()
        assert plan["goal"] == "让学生敢说" and len(plan["stages"]) == 1
        proposals = (await api.get(f"/api/v1/campaigns/{ids['campaign']}/topic-proposals", headers=headers)).json()
        assert proposals[0]["problems"][0]["title"] == "学生不敢开口说英语"
