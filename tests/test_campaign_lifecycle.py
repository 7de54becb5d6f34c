"""A whole campaign under the time-skipping server: five phases, reminders at their virtual
offsets and only to those who have not acted, early close, extension, the plan return loop, the
confirm-topics escalation, overdue-task escalation, the report; and cancel."""

from datetime import timedelta

from sqlalchemy import select

from contracts.directory.api import Role
from models import Campaign, Cluster, Topic, User
from tests.campaign_helpers import (  # noqa: F401  the fixtures: settings, vapi, login
    API, eventually, inbox, iso, login, notice_keys, settings, user_ids, vapi,
)

MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)


async def _first_cluster(session_factory) -> int:
    async with session_factory() as session:
        return await session.scalar(select(Cluster.id).order_by(Cluster.id))


async def _launch(vapi, login, session_factory, **schedule: timedelta) -> dict:
    body = {
        "title": "2026 春季语文订单式教研", "cluster_ids": [await _first_cluster(session_factory)],
        "schedule": {phase: iso(d) for phase, d in schedule.items()},
        "reminder_offsets": [iso(30 * MIN), iso(10 * MIN)], "grace": iso(20 * MIN),
    }
    response = await vapi.post(f"{API}/campaigns", json=body, headers=await login("staff01"))
    assert response.status_code == 201, response.text
    return response.json()


async def _phase(session_factory, campaign_id: int) -> tuple[str, str]:
    async with session_factory() as session:
        campaign = await session.get(Campaign, campaign_id)
        return str(campaign.phase), str(campaign.step)


async def test_full_lifecycle(vapi, login, session_factory, ts_env, worker_on):
    ids = await user_ids(session_factory)
    teachers = [f"t{n:04d}" for n in range(1, 21)]  # the first cluster
    async with worker_on(ts_env.client):
        campaign = await _launch(vapi, login, session_factory, collect_topics=HOUR, train=2 * timedelta(days=1),
                                 design_plan=HOUR, practise=4 * HOUR, reflect=HOUR)
        cid = campaign["id"]
        assert campaign["phase"] == "collect_topics" and len(campaign["deadlines"]) == 5
        base = f"{API}/campaigns/{cid}"
        await eventually(lambda: _opened(session_factory, cid))

        # --- collect_topics: five teachers submit, one votes; the others are chased ---------
        texts = ["学生写作文无话可写，内容空洞", "作文教学中学生没有东西可写，作文内容空洞",
                 "学生计算能力差，口算笔算错误率高", "数学计算题粗心出错，计算正确率低", "课堂提问时学生不主动举手发言"]
        problems = []
        for username, text in zip(teachers, texts):
            response = await vapi.post(f"{base}/problems", json={"title": text, "grade": "五年级"},
                                       headers=await login(username))
            assert response.status_code == 201, response.text
            problems.append(response.json()["id"])
        voted = await vapi.post(f"{base}/problems/{problems[0]}/votes", headers=await login("t0006"))
        assert voted.status_code == 201 and voted.json()["votes_left"] == 4
        authors = {ids[u] for u in teachers[:5]}

        await ts_env.sleep(29 * MIN)
        assert not any(k.startswith("collect_topics:reminder") for k in await notice_keys(session_factory, cid))
        await ts_env.sleep(2 * MIN)  # 30 minutes before the deadline
        got = await eventually(lambda: _got(session_factory, cid, "collect_topics:reminder:1800s:v0"))
        assert got == {ids[u] for u in teachers} - authors

        # Extension: the deadline moves an hour; reminders re-arm for it.
        deadline = (await vapi.get(base, headers=await login("staff01"))).json()["deadline"]
        extended = await vapi.post(f"{base}/phase/extend", json={"until": _plus(deadline, HOUR)},
                                   headers=await login("staff01"))
        assert extended.status_code == 200, extended.text
        t6 = await vapi.post(f"{base}/problems", json={"title": "学生书写不规范，字迹潦草"}, headers=await login("t0006"))
        assert t6.status_code == 201
        await ts_env.sleep(HOUR)  # now 30 minutes before the new deadline
        got = await eventually(lambda: _got(session_factory, cid, "collect_topics:reminder:1800s:v1"))
        assert got == {ids[u] for u in teachers} - authors - {ids["t0006"]}

        # Early close: collection stops, topics are proposed, staff must confirm.
        closed = await vapi.post(f"{base}/phase/close", headers=await login("staff01"))
        assert closed.json() == {**closed.json(), "phase": "collect_topics", "step": "deciding"}
        late = await vapi.post(f"{base}/problems", json={"title": "太晚了"}, headers=await login("t0007"))
        assert late.status_code == 409 and late.json()["phase"] == "collect_topics"
        proposals = (await vapi.get(f"{base}/topic-proposals", headers=await login("staff01"))).json()
        together = [p["problem_ids"] for p in proposals if problems[0] in p["problem_ids"]][0]
        assert problems[1] in together and problems[2] not in together

        # Nobody confirms: staff are reminded after the grace, admins after another.
        await ts_env.sleep(21 * MIN)
        assert await eventually(lambda: _got(session_factory, cid, "topics:reminder")) == {ids["staff01"]}
        assert "topics:escalation" not in await notice_keys(session_factory, cid)
        await ts_env.sleep(20 * MIN)
        escalated = await eventually(lambda: _got(session_factory, cid, "topics:escalation"))
        assert ids["admin"] in escalated and ids["t0001"] not in escalated

        topics_body = {"topics": [
            {"title": "作文素材积累", "problem_ids": problems[:2], "lead_user_id": ids["t0001"]},
            {"title": "计算正确率", "problem_ids": [problems[2], problems[3]], "lead_user_id": ids["staff02"]},
        ]}
        confirmed = await vapi.post(f"{base}/topics", json=topics_body, headers=await login("staff01"))
        assert confirmed.status_code == 201, confirmed.text
        topic1, topic2 = [t["id"] for t in confirmed.json()]
        await eventually(lambda: _at(session_factory, cid, "train"))

        # --- train: invitation, reminders a day and two hours before, check-in, absentees ----
        now = await ts_env.get_current_time()
        starts = now + timedelta(days=1, hours=3)
        training = await vapi.post(f"{base}/trainings", headers=await login("staff01"), json={
            "topic_id": topic1, "title": "作文素材积累的方法", "expert": "市教科院 李老师",
            "starts_at": starts.isoformat(), "ends_at": (starts + 2 * HOUR).isoformat(), "place": "实验小学报告厅"})
        assert training.status_code == 201, training.text
        tid = training.json()["id"]
        invited = await eventually(lambda: _got(session_factory, cid, f"training:{tid}:invitation"))
        assert invited == {ids["t0001"], ids["t0002"], ids["t0006"]}  # the lead, the authors and the voter
        early = await vapi.post(f"{API}/trainings/{tid}/checkin", headers=await login("t0002"))
        assert early.status_code == 409  # the window opens 30 minutes before
        await ts_env.sleep(3 * HOUR + MIN)
        assert await eventually(lambda: _got(session_factory, cid, f"training:{tid}:reminder:86400s")) == invited
        assert f"training:{tid}:reminder:7200s" not in await notice_keys(session_factory, cid)
        await ts_env.sleep(22 * HOUR)
        assert await eventually(lambda: _got(session_factory, cid, f"training:{tid}:reminder:7200s")) == invited
        await ts_env.sleep(2 * HOUR)  # the session is on
        for username in ["t0001", "t0002"]:
            checked = await vapi.post(f"{API}/trainings/{tid}/checkin", headers=await login(username))
            assert checked.status_code == 201, checked.text
        absent = (await vapi.get(f"{base}/trainings/{tid}/absentees", headers=await login("staff01"))).json()
        assert sum(len(names) for names in absent.values()) == 1  # t0006
        await ts_env.sleep(3 * HOUR)
        assert await eventually(lambda: _got(session_factory, cid, f"training:{tid}:absent")) == {ids["staff01"]}
        wrong = await vapi.post(f"{base}/problems/{problems[0]}/votes", headers=await login("t0007"))
        assert wrong.status_code == 409 and wrong.json()["phase"] == "train"
        closed = await vapi.post(f"{base}/phase/close", headers=await login("staff01"))
        assert closed.json()["phase"] == "design_plan", closed.text

        # --- design_plan: return loop, overdue plan escalation, approval creates tasks ------
        now = await ts_env.get_current_time()
        due = now + 2 * HOUR
        plan = {"goal": "一学期内让学生建立自己的作文素材库", "stages": [
            {"title": "课例研讨", "due_at": due.isoformat(), "assignee_user_ids": [ids["t0002"], ids["t0003"]]}]}
        not_lead = await vapi.put(f"{base}/topics/{topic1}/plan", json=plan, headers=await login("t0002"))
        assert not_lead.status_code == 403
        submitted = await vapi.put(f"{base}/topics/{topic1}/plan", json=plan, headers=await login("t0001"))
        assert submitted.status_code == 200 and submitted.json()["status"] == "submitted", submitted.text
        no_comment = await vapi.post(f"{base}/topics/{topic1}/plan/return", json={"comment": ""},
                                     headers=await login("staff01"))
        assert no_comment.status_code == 422 and no_comment.json()["detail"][0]["loc"] == ["body", "comment"]
        returned = await vapi.post(f"{base}/topics/{topic1}/plan/return", json={"comment": "阶段目标要可检测"},
                                   headers=await login("staff01"))
        assert returned.json()["status"] == "returned"
        assert await eventually(lambda: _got(session_factory, cid, f"plan:{topic1}:returned:1")) == {ids["t0001"]}
        resubmitted = await vapi.put(f"{base}/topics/{topic1}/plan", json=plan, headers=await login("t0001"))
        assert resubmitted.json()["version"] == 2
        approved = await vapi.post(f"{base}/topics/{topic1}/plan/approve", headers=await login("staff01"))
        assert approved.json()["status"] == "approved", approved.text
        assigned = await eventually(lambda: _got(session_factory, cid, f"plan:{topic1}:tasks"))
        assert assigned == {ids["t0002"], ids["t0003"]}

        await ts_env.sleep(31 * MIN)  # topic 2's lead has not submitted
        assert await eventually(lambda: _got(session_factory, cid, "plan:reminder:1800s:v0")) == {ids["staff02"]}
        await ts_env.sleep(30 * MIN)  # the deadline: overdue reminder, then escalation to staff
        assert await eventually(lambda: _got(session_factory, cid, "plan:overdue:v0")) == {ids["staff02"]}
        await ts_env.sleep(21 * MIN)
        assert await eventually(lambda: _got(session_factory, cid, "plan:escalation:v0")) == {ids["staff01"]}
        plan2 = {"goal": "计算正确率提高到 95%", "stages": [
            {"title": "错因分析", "due_at": (due + 3 * HOUR).isoformat(), "assignee_user_ids": [ids["t0004"]]}]}
        assert (await vapi.put(f"{base}/topics/{topic2}/plan", json=plan2, headers=await login("staff02"))).status_code == 200
        await vapi.post(f"{base}/topics/{topic2}/plan/approve", headers=await login("staff01"))
        await eventually(lambda: _at(session_factory, cid, "practise"))

        # --- practise: t0002 delivers; t0003 is chased: herself, then the lead, then staff ---
        tasks = (await vapi.get(f"{API}/me/tasks", headers=await login("t0002"))).json()
        assert [t["topic_id"] for t in tasks] == [topic1]
        other = (await vapi.get(f"{API}/me/tasks", headers=await login("t0003"))).json()[0]["id"]
        stolen = await vapi.post(f"{API}/tasks/{other}/deliver", json={"summary": "x"}, headers=await login("t0002"))
        assert stolen.status_code == 403
        delivered = await vapi.post(f"{API}/tasks/{tasks[0]['id']}/deliver", headers=await login("t0002"),
                                    json={"summary": "《我的素材本》课例", "links": ["https://example.org/lesson"]})
        assert delivered.status_code == 200 and delivered.json()["delivered_at"], delivered.text
        now = await ts_env.get_current_time()
        await ts_env.sleep(due - now + MIN)
        key = f"tasks:{due.isoformat()}:overdue"
        assert await eventually(lambda: _got(session_factory, cid, f"{key}:assignee")) == {ids["t0003"]}
        await ts_env.sleep(20 * MIN)
        assert await eventually(lambda: _got(session_factory, cid, f"{key}:lead")) == {ids["t0001"]}
        await ts_env.sleep(20 * MIN)
        assert await eventually(lambda: _got(session_factory, cid, f"{key}:staff")) == {ids["staff01"]}
        summary = await vapi.put(f"{base}/topics/{topic1}/summary", headers=await login("t0001"),
                                 json={"worked": "素材本坚持每天记录", "did_not_work": "课外阅读时间不足"})
        assert summary.status_code == 200, summary.text
        assert (await vapi.post(f"{base}/phase/close", headers=await login("staff01"))).json()["phase"] == "reflect"

        # --- reflect: reminders to participants without a reflection; then the report -------
        reflected = await vapi.post(f"{base}/reflections", json={"text": "学生的素材意识明显增强"},
                                    headers=await login("t0002"))
        assert reflected.status_code == 201, reflected.text
        await ts_env.sleep(31 * MIN)
        chased = await eventually(lambda: _got(session_factory, cid, "reflect:reminder:1800s:v0"))
        assert ids["t0002"] not in chased and {ids["t0001"], ids["t0003"], ids["t0004"]} <= chased
        await ts_env.sleep(30 * MIN)
        await eventually(lambda: _at(session_factory, cid, "completed"))
        detail = (await vapi.get(base, headers=await login("staff01"))).json()
        assert detail["status"] == "completed" and [w["closed_how"] for w in detail["deadlines"]] == [
            "early", "early", "all_approved", "early", "deadline"]
        markdown = await vapi.get(f"{base}/report", headers={**await login("staff01"), "Accept": "text/markdown"})
        assert "作文素材积累" in markdown.text and "素材本坚持每天记录" in markdown.text
        assert "按时 1，逾期 0，未交 1" in markdown.text
        html = await vapi.get(f"{base}/report", headers=await login("t0002"))
        assert html.headers["content-type"].startswith("text/html") and "<h3>1. 作文素材积累</h3>" in html.text
        ended = await vapi.post(f"{base}/phase/close", headers=await login("staff01"))
        assert ended.status_code == 409 and ended.json()["phase"] == "completed"


async def test_cancel_tells_everyone_and_stops_actions(vapi, login, session_factory, ts_env, worker_on):
    ids = await user_ids(session_factory)
    async with worker_on(ts_env.client):
        campaign = await _launch(vapi, login, session_factory, collect_topics=HOUR)
        base = f"{API}/campaigns/{campaign['id']}"
        await eventually(lambda: _opened(session_factory, campaign["id"]))
        cancelled = await vapi.post(f"{base}/cancel", json={"reason": "与期中考试冲突"}, headers=await login("staff01"))
        assert cancelled.status_code == 200 and cancelled.json()["phase"] == "cancelled", cancelled.text
        refused = await vapi.post(f"{base}/problems", json={"title": "问题"}, headers=await login("t0001"))
        assert refused.status_code == 409 and refused.json()["phase"] == "cancelled"
        told = await eventually(lambda: _got(session_factory, campaign["id"], "cancelled"))
        assert {ids[f"t{n:04d}"] for n in range(1, 21)} | {ids["staff01"]} == told
        again = await vapi.post(f"{base}/cancel", json={"reason": "再取消"}, headers=await login("staff01"))
        assert again.status_code == 409
        detail = (await vapi.get(base, headers=await login("staff01"))).json()
        assert detail["status"] == "cancelled" and detail["cancel_reason"] == "与期中考试冲突"


async def test_admin_cancelling_the_run_cancels_the_campaign(vapi, login, session_factory, ts_env, worker_on):
    """Cancelled from the runs console (a Temporal cancellation, not the campaign's own update):
    the campaign is still recorded as cancelled and everyone in scope is told."""
    ids = await user_ids(session_factory)
    async with worker_on(ts_env.client):
        campaign = await _launch(vapi, login, session_factory, collect_topics=HOUR)
        await eventually(lambda: _opened(session_factory, campaign["id"]))
        answer = await vapi.post(f"{API}/runs/campaign-{campaign['id']}/cancel", json={"reason": "重复创建"},
                                 headers=await login("admin"))
        assert answer.status_code == 202, answer.text
        told = await eventually(lambda: _got(session_factory, campaign["id"], "cancelled"))
        assert {ids[f"t{n:04d}"] for n in range(1, 21)} <= told
        assert await _phase(session_factory, campaign["id"]) == ("cancelled", "closed")
        detail = (await vapi.get(f"{API}/campaigns/{campaign['id']}", headers=await login("staff01"))).json()
        assert detail["status"] == "cancelled" and "管理员" in detail["cancel_reason"]


async def test_api_errors(vapi, login, session_factory, ts_env, worker_on):
    async with worker_on(ts_env.client):
        bad = await vapi.post(f"{API}/campaigns", json={"title": "x", "cluster_ids": [999]},
                              headers=await login("staff01"))
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "cluster_ids"]
        no_scope = await vapi.post(f"{API}/campaigns", json={"title": "x"}, headers=await login("staff01"))
        assert no_scope.status_code == 422
        by_teacher = await vapi.post(f"{API}/campaigns", json={"title": "x", "cluster_ids": [1]},
                                     headers=await login("t0001"))
        assert by_teacher.status_code == 403
        campaign = await _launch(vapi, login, session_factory, collect_topics=HOUR)
        base = f"{API}/campaigns/{campaign['id']}"
        outsider = await vapi.post(f"{base}/problems", json={"title": "问题"}, headers=await login("t0021"))
        assert outsider.status_code == 403
        assert (await vapi.get(base, headers=await login("t0021"))).status_code == 403
        empty = await vapi.post(f"{base}/problems", json={"title": " "}, headers=await login("t0001"))
        assert empty.status_code == 422 and empty.json()["detail"][0]["loc"] == ["body", "title"]
        problem = (await vapi.post(f"{base}/problems", json={"title": "问题一"}, headers=await login("t0001"))).json()
        own = await vapi.post(f"{base}/problems/{problem['id']}/votes", headers=await login("t0001"))
        assert own.status_code == 409
        assert (await vapi.post(f"{base}/problems/{problem['id']}/votes", headers=await login("t0002"))).status_code == 201
        twice = await vapi.post(f"{base}/problems/{problem['id']}/votes", headers=await login("t0002"))
        assert twice.status_code == 409
        edit = await vapi.patch(f"{base}/problems/{problem['id']}", json={"title": "改"}, headers=await login("t0002"))
        assert edit.status_code == 403
        past = await vapi.post(f"{base}/phase/extend", json={"until": "2000-01-01T00:00:00Z"},
                               headers=await login("staff01"))
        assert past.status_code == 422 and past.json()["detail"][0]["loc"] == ["body", "until"]
        early_topics = await vapi.post(f"{base}/topics", headers=await login("staff01"), json={
            "topics": [{"title": "专题", "problem_ids": [problem["id"]], "lead_user_id": 1}]})
        assert early_topics.status_code in (409, 422)
        wrong_phase_training = await vapi.post(f"{base}/trainings", headers=await login("staff01"), json={
            "topic_id": 1, "title": "t", "expert": "e", "starts_at": "2100-01-01T08:00:00Z",
            "ends_at": "2100-01-01T10:00:00Z", "place": "p"})
        assert wrong_phase_training.status_code == 409 and wrong_phase_training.json()["phase"] == "collect_topics"
        await vapi.post(f"{base}/cancel", json={"reason": "测试结束"}, headers=await login("staff01"))


# ---- helpers --------------------------------------------------------------------------------


def _plus(when: str, delta: timedelta) -> str:
    from datetime import datetime

    return (datetime.fromisoformat(when) + delta).isoformat()


async def _got(session_factory, campaign_id: int, key: str) -> set[int] | None:
    return (await inbox(session_factory, campaign_id)).get(key)


async def _opened(session_factory, campaign_id: int) -> bool:
    return "opened" in await notice_keys(session_factory, campaign_id)


async def _at(session_factory, campaign_id: int, phase: str) -> bool:
    return (await _phase(session_factory, campaign_id))[0] == phase


async def _staff_ids(session_factory) -> set[int]:
    async with session_factory() as session:
        return set(await session.scalars(select(User.id).where(User.role == Role.staff)))


async def _topics(session_factory, campaign_id: int) -> list[Topic]:
    async with session_factory() as session:
        return list(await session.scalars(select(Topic).where(Topic.campaign_id == campaign_id)))
