"""One exchange's run on the time-skipping server: the notices before the start move when staff
postpone it; the late return report escalates to the home school's contact, then staff; the
assessment reaches the teacher and ends the run. t0002 teaches at 实验小学 (contact t0001); the
host 东城小学's contact is t0006."""

from datetime import date, datetime, timedelta

from tests.series_support import advance_to, api, eventually_recipients, recipients, user_ids  # noqa: F401

MINUTE = timedelta(minutes=1)
AT_NINE = lambda day, tz: datetime.combine(day, datetime.min.time(), tz).replace(hour=9)  # noqa: E731


async def _create(api, staff, *, start: date, days: int) -> dict:
    teacher = (await api.get("/api/v1/teachers?q=t0002", headers=staff)).json()["items"][0]
    created = await api.post("/api/v1/exchanges", headers=staff, json={
        "teacher_id": teacher["id"], "host_school_id": 2, "kind": "短期交流", "planned_start": start.isoformat(),
        "planned_end": (start + timedelta(days=days)).isoformat(), "duties": "上研讨课 <两节>",
        "selection_criteria": "中级职称", "assessment_mechanism": "三方面考核"})
    assert created.status_code == 201, created.text
    return created.json()


async def test_a_postponed_start_moves_the_notices(api, login, ts_env, settings, session_factory, worker_on):
    tz, staff = settings.tz, await login("staff01")
    today = (await ts_env.get_current_time()).astimezone(tz).date()
    start = today + timedelta(days=30)
    teacher, home, host = await user_ids(session_factory, "t0002", "t0001", "t0006")
    async with worker_on(ts_env.client):
        exchange = await _create(api, staff, start=start, days=14)
        key = f"exchange:{exchange['id']}"
        await advance_to(ts_env, AT_NINE(today + timedelta(days=10), tz))
        refused = await api.post(f"/api/v1/exchanges/{exchange['id']}/postpone", headers=staff,
                                 json={"new_start": (start - timedelta(days=1)).isoformat()})
        assert refused.status_code == 422 and "new_start" in refused.text
        new_start = start + timedelta(days=14)
        moved = await api.post(f"/api/v1/exchanges/{exchange['id']}/postpone", headers=staff,
                               json={"new_start": new_start.isoformat(), "reason": "校舍维修"})
        assert moved.status_code == 200, moved.text
        assert moved.json()["planned_end"] == (new_start + timedelta(days=14)).isoformat()
        assert await eventually_recipients(session_factory, f"{key}:postponed:{new_start}") == {teacher, home, host}

        # Nothing at the old announcement time; the new one a week before the new start.
        await advance_to(ts_env, AT_NINE(start - timedelta(days=7), tz) + MINUTE)
        assert await recipients(session_factory, f"{key}:announce:{start}") is None
        await advance_to(ts_env, AT_NINE(new_start - timedelta(days=7), tz) - MINUTE)
        assert await recipients(session_factory, f"{key}:announce:{new_start}") is None
        await advance_to(ts_env, AT_NINE(new_start - timedelta(days=7), tz) + MINUTE)
        assert await eventually_recipients(session_factory, f"{key}:announce:{new_start}") == {teacher, home, host}

        # Once begun it cannot be postponed: 409 naming the status.
        await advance_to(ts_env, AT_NINE(new_start, tz) + MINUTE)
        began = await api.post(f"/api/v1/exchanges/{exchange['id']}/actual-dates", headers=await login("t0006"),
                               json={"actual_start": new_start.isoformat()})
        assert began.status_code == 200 and began.json()["status"] == "away"
        late = await api.post(f"/api/v1/exchanges/{exchange['id']}/postpone", headers=staff,
                              json={"new_start": (new_start + timedelta(days=7)).isoformat()})
        assert late.status_code == 409 and late.json()["status"] == "away"


async def test_a_late_report_escalates_then_the_assessment_ends_the_run(api, login, ts_env, settings,
                                                                         session_factory, worker_on):
    tz, staff = settings.tz, await login("staff01")
    today = (await ts_env.get_current_time()).astimezone(tz).date()
    start, back = today + timedelta(days=3), today + timedelta(days=17)
    teacher, home, host, *staff_ids = await user_ids(session_factory, "t0002", "t0001", "t0006", "staff01", "staff02")
    me = await login("t0002")
    async with worker_on(ts_env.client):
        exchange = await _create(api, staff, start=start, days=14)
        exchange_id, key = exchange["id"], f"exchange:{exchange['id']}"
        await advance_to(ts_env, AT_NINE(start, tz) + MINUTE)
        assert await eventually_recipients(session_factory, f"{key}:announce:{start}") == {teacher, home, host}
        early = await api.put(f"/api/v1/exchanges/{exchange_id}/report", headers=me, json={"content": "还没回来"})
        assert early.status_code == 409 and early.json()["status"] == "planned"
        # The host records the days; she is back on `back`, so the report is due 14 days later.
        await advance_to(ts_env, AT_NINE(back, tz) + 2 * MINUTE)
        dates = await api.post(f"/api/v1/exchanges/{exchange_id}/actual-dates", headers=await login("t0006"),
                               json={"actual_start": start.isoformat(), "actual_end": back.isoformat()})
        assert dates.status_code == 200 and dates.json()["status"] == "returned"
        due = back + timedelta(days=14)
        assert dates.json()["report_due"] == due.isoformat()
        assert await eventually_recipients(session_factory, f"{key}:report_request:{due}") == {teacher}
        assert (await api.get("/api/v1/me/exchanges", headers=me)).json()[0]["report_due"] == due.isoformat()

        # Late: the home school's contact the day after, staff three days later.
        await advance_to(ts_env, AT_NINE(due + timedelta(days=1), tz) - MINUTE)
        assert await recipients(session_factory, f"{key}:report_late_school:{due}") is None
        await advance_to(ts_env, AT_NINE(due + timedelta(days=1), tz) + MINUTE)
        assert await eventually_recipients(session_factory, f"{key}:report_late_school:{due}") == {home}
        unassessable = await api.post(f"/api/v1/exchanges/{exchange_id}/assessment", headers=staff, json={
            "teaching_results": "良好", "local_influence": "良好", "collaboration": "优秀", "outcome": "reward",
            "comment": "很好"})
        assert unassessable.status_code == 409, unassessable.text
        await advance_to(ts_env, AT_NINE(due + timedelta(days=4), tz) + MINUTE)
        assert await eventually_recipients(session_factory, f"{key}:report_late_staff:{due}") == set(staff_ids)

        report = await api.put(f"/api/v1/exchanges/{exchange_id}/report", headers=me,
                               json={"content": "上了两节研讨课，带动了东城小学数学组。"})
        assert report.status_code == 200 and report.json()["status"] == "reported"
        await advance_to(ts_env, AT_NINE(due + timedelta(days=7), tz) + MINUTE)
        assert await eventually_recipients(session_factory, f"{key}:assessment_due:{due}") == set(staff_ids)
        assessed = await api.post(f"/api/v1/exchanges/{exchange_id}/assessment", headers=staff, json={
            "teaching_results": "优秀", "local_influence": "良好", "collaboration": "优秀", "outcome": "improve",
            "comment": "多与当地教师集体备课"})
        assert assessed.status_code == 200, assessed.text
        assert assessed.json()["status"] == "assessed" and assessed.json()["outcome"] == "improve"
        assert await eventually_recipients(session_factory, f"{key}:assessed") == {teacher}
        assert await ts_env.client.get_workflow_handle(f"exchange-{exchange_id}").result() == "assessed"


async def test_a_cancelled_exchange_tells_its_people_and_says_nothing_more(api, login, ts_env, settings,
                                                                          session_factory, worker_on):
    tz, staff = settings.tz, await login("staff01")
    today = (await ts_env.get_current_time()).astimezone(tz).date()
    start = today + timedelta(days=20)
    teacher, home, host = await user_ids(session_factory, "t0002", "t0001", "t0006")
    async with worker_on(ts_env.client):
        exchange = await _create(api, staff, start=start, days=14)
        key = f"exchange:{exchange['id']}"
        cancelled = await api.post(f"/api/v1/exchanges/{exchange['id']}/cancel", headers=staff,
                                   json={"reason": "交流学校合并"})
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled", cancelled.text
        assert await eventually_recipients(session_factory, f"{key}:cancelled") == {teacher, home, host}
        assert await ts_env.client.get_workflow_handle(f"exchange-{exchange['id']}").result() == "cancelled"
        again = await api.post(f"/api/v1/exchanges/{exchange['id']}/cancel", headers=staff, json={"reason": "再次"})
        assert again.status_code == 409
        await advance_to(ts_env, AT_NINE(start - timedelta(days=7), tz) + MINUTE)
        assert await recipients(session_factory, f"{key}:announce:{start}") is None
