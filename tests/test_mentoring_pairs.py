"""A mentor pair's school year (青蓝工程) under the time-skipping server: nudges to the side that
is behind only, a missing stage form escalated to the school contact and then to staff, a verdict
that opens stage 2 (the run continues as new) and completes the pair with its certificate, staff's
changes, an early end that stops every reminder, a step that keeps failing shown as a stall."""

from datetime import datetime, timedelta

from tests.activity_faults import faulty_activities
from tests.campaign_helpers import eventually
from tests.mentoring_support import advance_to, api, new_pair, next_school_year, stop_pair_runs  # noqa: F401
from tests.series_support import eventually_recipients, recipients, teacher_id, user_ids
from worker import create_worker

MINUTE = timedelta(minutes=1)


def at_nine(tz, year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 9, tzinfo=tz)


async def test_the_side_behind_is_nudged_and_an_overdue_form_escalates(api, login, ts_env, settings, worker_on,
                                                                        session_factory):
    tz, staff = settings.tz, await login("staff01")
    mentor, mentee = await login("t0007"), await login("t0002")
    mentor_id, mentee_id, mentee_contact, staff_id = await user_ids(session_factory, "t0007", "t0002", "t0001",
                                                                    "staff01")
    year = next_school_year(await ts_env.get_current_time())
    async with worker_on(ts_env.client):
        pair = await new_pair(api, staff, session_factory, year=year, monthly_log_quota=2)
        key = f"mentoring:pair:{pair['id']}"
        assert await eventually_recipients(session_factory, f"{key}:started") == {mentor_id, mentee_id}

        # September: the mentor logs two observations, the mentee nothing; the mentee confirms one.
        await advance_to(ts_env, at_nine(tz, year, 9, 15))
        logs = [await api.post(f"/api/v1/mentoring/pairs/{pair['id']}/logs", headers=mentor, json={
            "kind": kind, "happened_on": f"{year}-09-{dom}", "note": "听《秋天》第一课时"}) for kind, dom in
            (("observe", 10), ("guide", 12))]
        assert [log.status_code for log in logs] == [201, 201], logs[0].text
        confirm = f"/api/v1/mentoring/logs/{logs[0].json()['id']}/confirm"
        assert (await api.post(confirm, headers=mentor)).status_code == 403  # her own log
        assert (await api.post(confirm, headers=mentee)).json()["confirmed_at"] is not None

        # 1 October, 09:00: September is counted; only the mentee is under the quota.
        await advance_to(ts_env, at_nine(tz, year, 10, 1) - MINUTE)
        assert await recipients(session_factory, f"{key}:logs:{year}-09:mentee") is None
        await advance_to(ts_env, at_nine(tz, year, 10, 1) + MINUTE)
        assert await eventually_recipients(session_factory, f"{key}:logs:{year}-09:mentee") == {mentee_id}
        assert await recipients(session_factory, f"{key}:logs:{year}-09:mentor") is None

        # The mentor hands in her stage-1 form; a week before 20 January only the mentee is reminded.
        form = await api.put(f"/api/v1/mentoring/pairs/{pair['id']}/stages/1/form", headers=mentor,
                             json={"summary": "听课 12 节，示范课 2 节", "next_goals": "指导徒弟上公开课"})
        assert form.status_code == 200, form.text
        await advance_to(ts_env, at_nine(tz, year + 1, 1, 13) + MINUTE)
        assert await eventually_recipients(session_factory, f"{key}:stage1:form:reminder:mentee") == {mentee_id}
        assert await recipients(session_factory, f"{key}:stage1:form:reminder:mentor") is None

        # Overdue: three days after, the mentee's school contact hears of it; three more, staff.
        await advance_to(ts_env, at_nine(tz, year + 1, 1, 23) - MINUTE)
        assert await recipients(session_factory, f"{key}:stage1:form:overdue:contact") is None
        await advance_to(ts_env, at_nine(tz, year + 1, 1, 23) + MINUTE)
        assert await eventually_recipients(session_factory, f"{key}:stage1:form:overdue:contact") == {mentee_contact}
        assert await recipients(session_factory, f"{key}:stage1:form:overdue:staff") is None
        await advance_to(ts_env, at_nine(tz, year + 1, 1, 26) + MINUTE)
        assert await eventually_recipients(session_factory, f"{key}:stage1:form:overdue:staff") == {staff_id}

        # No verdict while a form is missing; with both in, 合格 opens stage 2 (a new run of the chain).
        verdict = f"/api/v1/mentoring/pairs/{pair['id']}/stages/1/verdict"
        refused = await api.post(verdict, headers=staff, json={"verdict": "passed"})
        assert refused.status_code == 409 and "徒弟" in refused.json()["detail"]
        assert (await api.post(verdict, headers=mentee, json={"verdict": "passed"})).status_code == 403
        await api.put(f"/api/v1/mentoring/pairs/{pair['id']}/stages/1/form", headers=mentee, json={"summary": "上了两节汇报课"})
        passed = await api.post(verdict, headers=staff, json={"verdict": "passed", "comment": "进步明显"})
        assert passed.status_code == 200, passed.text
        assert passed.json()["current_stage"] == 2
        assert await eventually_recipients(session_factory, f"{key}:stage1:verdict1") == {mentor_id, mentee_id}
        stale = await api.put(f"/api/v1/mentoring/pairs/{pair['id']}/stages/1/form", headers=mentee, json={"summary": "补"})
        assert stale.status_code == 409 and stale.json()["current_stage"] == 2

        # Stage 2's steps run in the new run: its February log check nudges both (nobody logged).
        await advance_to(ts_env, at_nine(tz, year + 1, 3, 1) + MINUTE)
        assert await eventually_recipients(session_factory, f"{key}:logs:{year + 1}-02:mentor") == {mentor_id}

        # Stage 2 passed: the pair is completed, with its certificate (PDF and the console's HTML).
        assert (await api.get(f"/api/v1/mentoring/pairs/{pair['id']}/certificate.pdf", headers=mentee)).status_code == 409
        for who in (mentor, mentee):
            await api.put(f"/api/v1/mentoring/pairs/{pair['id']}/stages/2/form", headers=who, json={"summary": "总结"})
        done = await api.post(f"/api/v1/mentoring/pairs/{pair['id']}/stages/2/verdict", headers=staff,
                              json={"verdict": "passed"})
        assert done.json()["status"] == "completed"
        assert await eventually_recipients(session_factory, f"{key}:completed") == {mentor_id, mentee_id}
        certificate = await api.get(f"/api/v1/mentoring/pairs/{pair['id']}/certificate.pdf", headers=mentee)
        assert certificate.status_code == 200 and certificate.content.startswith(b"%PDF")
        handle = ts_env.client.get_workflow_handle(f"mentoring-pair-{pair['id']}")
        assert await handle.result() == "completed"


async def test_staff_change_a_pair_and_an_early_end_stops_its_reminders(api, login, ts_env, settings, worker_on,
                                                                         session_factory):
    tz, staff = settings.tz, await login("staff01")
    mentor, mentee = await login("t0007"), await login("t0002")
    mentor_id, mentee_id, new_mentor_id, contact_a, contact_b = await user_ids(
        session_factory, "t0007", "t0002", "t0008", "t0001", "t0006")
    year = next_school_year(await ts_env.get_current_time())
    async with worker_on(ts_env.client):
        pair = await new_pair(api, staff, session_factory, year=year)
        key, path = f"mentoring:pair:{pair['id']}", f"/api/v1/mentoring/pairs/{pair['id']}"

        # No quota by default: no log nudges; a week before the stage, both are reminded.
        await advance_to(ts_env, at_nine(tz, year + 1, 1, 13) + MINUTE)
        for side, user_id in (("mentor", mentor_id), ("mentee", mentee_id)):
            assert await eventually_recipients(session_factory, f"{key}:stage1:form:reminder:{side}") == {user_id}
        assert await recipients(session_factory, f"{key}:logs:{year}-10:mentee") is None

        # 待改进 asks for an improvement plan; the stage is assessed again once it is filed.
        for who in (mentor, mentee):
            await api.put(f"{path}/stages/1/form", headers=who, json={"summary": "阶段小结"})
        improve = await api.post(f"{path}/stages/1/verdict", headers=staff, json={"verdict": "needs_improvement"})
        assert improve.status_code == 200 and improve.json()["current_stage"] == 1
        assert (await api.post(f"{path}/stages/1/verdict", headers=staff, json={"verdict": "passed"})).status_code == 409
        plan = await api.put(f"{path}/stages/1/improvement-plan", headers=mentee, json={"plan": "每周听课两节"})
        assert plan.status_code == 200, plan.text
        again = await api.post(f"{path}/stages/1/verdict", headers=staff, json={"verdict": "passed"})
        assert again.json()["current_stage"] == 2
        assert [v["label"] for v in again.json()["stages"][0]["verdicts"]] == ["待改进", "合格"]

        # A new mentor: the old, the new and the mentee hear of it; the new one logs from now on.
        replaced = await api.post(f"{path}/mentor", headers=staff, json={
            "mentor_teacher_id": await teacher_id(session_factory, "t0008"), "reason": "调往他校"})
        assert replaced.status_code == 200 and replaced.json()["mentor_name"] != pair.get("mentor_name")
        assert await eventually_recipients(session_factory, f"{key}:mentor:{replaced.json()['mentor_teacher_id']}") == {
            mentor_id, new_mentor_id, mentee_id}
        assert (await api.post(f"{path}/logs", headers=mentor, json={
            "kind": "observe", "happened_on": f"{year + 1}-01-30", "note": "听课"})).status_code == 403
        assert (await api.post(f"{path}/extend", headers=staff, json={"ends_on": f"{year}-12-01"})).status_code == 422
        extended = await api.post(f"{path}/extend", headers=staff, json={"ends_on": f"{year + 1}-08-20"})
        assert extended.json()["stages"][-1]["due_on"] == f"{year + 1}-08-20"

        # Ended early: both teachers and their schools are told, and nothing more is sent.
        ended = await api.post(f"{path}/end", headers=staff, json={"reason": "徒弟调离本教联体"})
        assert ended.status_code == 200 and ended.json()["status"] == "ended"
        assert await eventually_recipients(session_factory, f"{key}:ended") == {
            new_mentor_id, mentee_id, contact_a, contact_b}
        assert await ts_env.client.get_workflow_handle(f"mentoring-pair-{pair['id']}").result() == "ended"
        await advance_to(ts_env, at_nine(tz, year + 1, 8, 30))
        for side in ("mentor", "mentee"):
            assert await recipients(session_factory, f"{key}:stage2:form:reminder:{side}") is None
        assert (await api.post(f"{path}/end", headers=staff, json={})).status_code == 409
        assert (await api.post(f"{path}/logs", headers=mentee, json={
            "kind": "observe", "happened_on": f"{year + 1}-08-01", "note": "听课"})).status_code == 409


async def test_a_pair_whose_step_keeps_failing_shows_as_stalled(api, login, ts_env, settings, session_factory):
    settings = settings.model_copy(update={"stall_after_attempts": 3})
    down = {"yes": True}
    activities = faulty_activities(settings, session_factory, failing={"plan_pair_step": lambda: down["yes"]})
    async with create_worker(ts_env.client, settings=settings, session_factory=session_factory, activities=activities):
        year = next_school_year(await ts_env.get_current_time())
        pair = await new_pair(api, await login("staff01"), session_factory, year=year)
        workflow_id = f"mentoring-pair-{pair['id']}"

        async def stalled():
            await ts_env.sleep(30)  # past the retry backoff
            return (await api.get(f"/api/v1/runs/{workflow_id}", headers=await login("admin"))).json()["stalled"]

        assert (await eventually(stalled, timeout=60))["activity_type"] == "plan_pair_step"
        down["yes"] = False

        async def recovered():
            await ts_env.sleep(60)
            return (await api.get(f"/api/v1/runs/{workflow_id}", headers=await login("admin"))).json()["stalled"] is None

        assert await eventually(recovered, timeout=60)


async def test_cancelling_a_pairs_run_from_outside_ends_the_pair(api, login, ts_env, worker_on, session_factory):
    async with worker_on(ts_env.client):
        year = next_school_year(await ts_env.get_current_time())
        pair = await new_pair(api, await login("staff01"), session_factory, year=year)
        handle = ts_env.client.get_workflow_handle(f"mentoring-pair-{pair['id']}")
        await eventually_recipients(session_factory, f"mentoring:pair:{pair['id']}:started")
        await handle.cancel()
        assert await eventually_recipients(session_factory, f"mentoring:pair:{pair['id']}:ended")
        detail = await api.get(f"/api/v1/mentoring/pairs/{pair['id']}", headers=await login("staff01"))
        assert detail.json()["status"] == "ended" and "取消" in detail.json()["ended_reason"]
