"""A whole 18-week term under the time-skipping server, with the changes an organiser makes."""

from datetime import date, datetime, timedelta

from sqlalchemy import select

from models import SeriesSession
from tests.series_support import (  # noqa: F401 - fixtures
    advance_to,
    api,
    eventually_recipients,
    keys_received,
    monday_after,
    recipients,
    stop_series_runs,
    teacher_id,
    user_ids,
)

WEEKS = 18
MINUTE = timedelta(minutes=1)
CLUSTER_TEACHERS = [f"t{n:04d}" for n in range(1, 21)]  # 城区小学第一片; schools of five, contacts t0001/6/11/16


async def test_a_term_of_weekly_sessions(api, login, ts_env, settings, worker_on, session_factory):
    tz, staff = settings.tz, await login("staff01")
    term_start = monday_after(await ts_env.get_current_time(), tz, 14)
    wednesday = lambda week: term_start + timedelta(weeks=week - 1, days=2)  # noqa: E731
    skip_dates = [wednesday(5), wednesday(12)]
    participants = set(await user_ids(session_factory, *CLUSTER_TEACHERS))
    organiser, contact_b, contact_d = await user_ids(session_factory, "t0001", "t0006", "t0016")

    async with worker_on(ts_env.client):
        body = {
            "title": "周周有约", "weekday": 3, "start_time": "14:00", "end_time": "17:00",
            "term_start": term_start.isoformat(), "term_end": (term_start + timedelta(weeks=WEEKS, days=-1)).isoformat(),
            "skip_dates": [d.isoformat() for d in skip_dates], "themes": {"1": "大单元教学设计"},
        }
        created = await api.post("/api/v1/clusters/1/series", json=body, headers=staff)
        assert created.status_code == 201, created.text
        series_id = created.json()["id"]
        sessions = (await api.get(f"/api/v1/series/{series_id}", headers=staff)).json()["upcoming"]

        # Weeks minus skip dates; hosts take turns over the four schools, the lead school first.
        assert len(sessions) == WEEKS - len(skip_dates)
        assert date.fromisoformat(sessions[0]["starts_at"][:10]) == wednesday(1)
        assert [s["week"] for s in sessions] == [w for w in range(1, WEEKS + 1) if w not in (5, 12)]
        hosts = [s["host_school_id"] for s in sessions]
        assert hosts == [hosts[i % 4] for i in range(len(sessions))] and len(set(hosts[:4])) == 4
        assert sessions[0]["theme"] == "大单元教学设计"
        ids = [s["id"] for s in sessions]
        start = [datetime.fromisoformat(s["starts_at"]) for s in sessions]
        end = [datetime.fromisoformat(s["ends_at"]) for s in sessions]
        assert start[0].astimezone(tz).hour == 14

        # Session 1: announcement 3 days before, reminders 1 day and 2 hours before, to the participants.
        for offset, key in [(timedelta(days=3), "announce:seq0"), (timedelta(days=1), "reminder:-1440m:seq0"),
                            (timedelta(hours=2), "reminder:-120m:seq0")]:
            await advance_to(ts_env, start[0] - offset - MINUTE)
            assert await recipients(session_factory, f"session:{ids[0]}:{key}") is None
            await advance_to(ts_env, start[0] - offset + MINUTE)
            assert await eventually_recipients(session_factory, f"session:{ids[0]}:{key}") == participants

        # Check-in: 15 come, the five of the fourth school do not; their school's contact hears of it.
        await advance_to(ts_env, start[0] - 10 * MINUTE)
        for teacher in CLUSTER_TEACHERS[:15]:
            assert (await api.post(f"/api/v1/sessions/{ids[0]}/checkin", headers=await login(teacher))).status_code == 201
        await advance_to(ts_env, start[0] + 61 * MINUTE)
        assert await eventually_recipients(session_factory, f"session:{ids[0]}:absent") == {contact_d}
        assert (await api.post(f"/api/v1/sessions/{ids[0]}/checkin", headers=await login("t0016"))).status_code == 409
        minutes = await api.put(f"/api/v1/sessions/{ids[0]}/minutes", headers=await login("t0001"),
                                json={"content": "研讨了大单元教学设计", "links": ["https://example.org/ppt"]})
        assert minutes.status_code == 200

        # Session 2: nobody writes the minutes: the host (school B's contact) is chased, then the organiser.
        due = end[1] + timedelta(days=3)
        await advance_to(ts_env, due - MINUTE)
        assert await recipients(session_factory, f"session:{ids[1]}:minutes:reminder") is None
        await advance_to(ts_env, due + MINUTE)
        assert await eventually_recipients(session_factory, f"session:{ids[1]}:minutes:reminder") == {contact_b}
        await advance_to(ts_env, due + timedelta(days=2) - MINUTE)
        assert await recipients(session_factory, f"session:{ids[1]}:minutes:escalation") is None
        await advance_to(ts_env, due + timedelta(days=2) + MINUTE)
        assert await eventually_recipients(session_factory, f"session:{ids[1]}:minutes:escalation") == {organiser}
        assert await recipients(session_factory, f"session:{ids[0]}:minutes:reminder") is None  # session 1 had them

        # After session 3: a teacher new to the cluster joins, t0002 leaves: only later sessions change.
        await advance_to(ts_env, end[2] + MINUTE)
        hired = await api.post("/api/v1/teachers", headers=staff, json={
            "staff_no": "t0901", "name": "新老师", "school_id": 1, "grade_band": "小学", "phone": "13900000901"})
        assert hired.status_code == 201, hired.text
        newcomer, leaver = await user_ids(session_factory, "t0901", "t0002")
        added = await api.post(f"/api/v1/series/{series_id}/participants", headers=staff,
                               json={"teacher_ids": [hired.json()["id"]]})
        assert added.status_code == 200 and len(added.json()["added"]) == 1
        removed = await api.delete(f"/api/v1/series/{series_id}/participants/{await teacher_id(session_factory, 't0002')}",
                                   headers=await login("t0001"))
        assert removed.status_code == 204

        # After session 5 (week 6): a two-week pause, so weeks 7 and 8 have no session.
        await advance_to(ts_env, end[4] + timedelta(hours=1))
        assert (await api.post(f"/api/v1/series/{series_id}/pause", json={"reason": "区运动会"}, headers=staff)).status_code == 200
        await advance_to(ts_env, end[4] + timedelta(days=14))
        assert (await api.post(f"/api/v1/series/{series_id}/resume", json={}, headers=staff)).status_code == 200

        # Week 10 (index 7) is skipped after its announcement; week 14 (index 10) moves to Thursday morning.
        await advance_to(ts_env, start[7] - timedelta(days=2))
        skipped = await api.post(f"/api/v1/sessions/{ids[7]}/skip", json={"reason": "教研室统一培训"}, headers=staff)
        assert skipped.status_code == 200
        moved_start = (start[10] + timedelta(days=1)).replace(hour=1)  # 09:00 in Shanghai
        before = (await api.get(f"/api/v1/sessions/{ids[10]}", headers=staff)).json()
        moved = await api.post(f"/api/v1/sessions/{ids[10]}/reschedule", headers=staff,
                               json={"starts_at": moved_start.isoformat(), "ends_at": (moved_start + timedelta(hours=3)).isoformat()})
        assert moved.status_code == 200 and moved.json()["sequence"] == before["sequence"] + 1
        reminder = f"session:{ids[10]}:reminder:-120m:seq{moved.json()['sequence']}"
        await advance_to(ts_env, moved_start - timedelta(hours=2) - MINUTE)
        assert await recipients(session_factory, reminder) is None
        assert await recipients(session_factory, f"session:{ids[10]}:reminder:-120m:seq{before['sequence']}") is None
        await advance_to(ts_env, moved_start - timedelta(hours=2) + MINUTE)
        assert newcomer in await eventually_recipients(session_factory, reminder)

        # The rest of the term runs out; the run completes and the series with it.
        await advance_to(ts_env, end[-1] + timedelta(days=6))
        assert await ts_env.client.get_workflow_handle(f"series-{series_id}").result() == "completed"

    async with session_factory() as session:
        rows = (await session.scalars(select(SeriesSession).where(SeriesSession.series_id == series_id)
                                      .order_by(SeriesSession.number))).all()
    statuses = [row.status for row in rows]
    assert statuses[5:7] == ["paused", "paused"] and statuses[7] == "skipped"
    assert statuses.count("held") == WEEKS - len(skip_dates) - 2 - 1
    for row in rows:
        if row.status == "held":
            assert await recipients(session_factory, f"session:{row.id}:reminder:-120m:seq{row.sequence}")

    # The skip and the reschedule told everyone in those sessions; the pause and resume the whole series.
    change_notices = await keys_received(session_factory, newcomer, prefix=f"series:{series_id}:change:")
    assert len(change_notices) == 1 + 2 + 2  # joined, pause + resume, skip + reschedule
    reached = [await recipients(session_factory, key) for key in change_notices]
    assert reached.count({newcomer}) == 1  # her welcome
    assert all(got >= participants - {leaver} for got in reached if got != {newcomer})

    # The newcomer hears of sessions after she joined only; the leaver of sessions before she left only.
    newcomer_sessions = {key.split(":")[1] for key in await keys_received(session_factory, newcomer)}
    leaver_sessions = {key.split(":")[1] for key in await keys_received(session_factory, leaver)}
    # (the skipped one was announced before it was called off)
    assert newcomer_sessions == {str(r.id) for r in rows if r.number > 3 and r.status in ("held", "skipped")}
    assert leaver_sessions == {str(sid) for sid in ids[:3]}

    # Reminders went only to the people of each session; the paused weeks had no announcements.
    for paused in ids[5:7]:
        assert await recipients(session_factory, f"session:{paused}:announce:seq0") is None
