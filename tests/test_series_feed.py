"""The private iCalendar feeds: parsed back with the icalendar library."""

from datetime import datetime, timedelta

from icalendar import Calendar

from tests.series_support import api, monday_after, stop_series_runs  # noqa: F401 - fixtures


async def _events(api, url: str) -> list:
    answer = await api.get(url.removeprefix("http://127.0.0.1:8000"))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/calendar")
    return list(Calendar.from_ical(answer.content).walk("VEVENT"))


async def test_feeds_follow_skips_and_reschedules(api, login, ts_env, settings, worker_on):
    staff, teacher = await login("staff01"), await login("t0003")
    term_start = monday_after(await ts_env.get_current_time(), settings.tz, 14)
    body = {"title": "周周有约", "weekday": 3, "start_time": "14:00", "end_time": "17:00",
            "term_start": term_start.isoformat(), "term_end": (term_start + timedelta(weeks=4, days=-1)).isoformat()}
    async with worker_on(ts_env.client):
        series_id = (await api.post("/api/v1/clusters/1/series", json=body, headers=staff)).json()["id"]
        sessions = (await api.get(f"/api/v1/series/{series_id}", headers=staff)).json()["upcoming"]

        mine = (await api.post("/api/v1/me/calendar-token", json={}, headers=teacher)).json()
        assert mine["url"].endswith(".ics") and len(mine["token"]) >= 40
        events = await _events(api, mine["url"])
        assert len(events) == 4
        first = events[0]
        assert first.get("dtstart").params["TZID"] == "Asia/Shanghai"
        assert first.decoded("dtstart").hour == 14 and str(first.get("status")) == "CONFIRMED"
        assert first.decoded("dtstart") == datetime.fromisoformat(sessions[0]["starts_at"])
        uids = [str(e.get("uid")) for e in events]

        await api.post(f"/api/v1/sessions/{sessions[1]['id']}/skip", json={"reason": "运动会"}, headers=staff)
        new_start = datetime.fromisoformat(sessions[2]["starts_at"]) + timedelta(days=1, hours=-5)
        moved = await api.post(f"/api/v1/sessions/{sessions[2]['id']}/reschedule", headers=staff, json={
            "starts_at": new_start.isoformat(), "ends_at": (new_start + timedelta(hours=3)).isoformat()})
        assert moved.status_code == 200

    events = {str(e.get("uid")): e for e in await _events(api, mine["url"])}
    assert list(events) == uids  # one event per session, UIDs kept
    skipped, rescheduled = events[uids[1]], events[uids[2]]
    assert str(skipped.get("status")) == "CANCELLED" and skipped.decoded("sequence") == 1
    assert rescheduled.decoded("sequence") == 1 and str(rescheduled.get("status")) == "CONFIRMED"
    assert rescheduled.decoded("dtstart") == new_start
    assert events[uids[0]].decoded("sequence") == 0

    cluster = (await api.post("/api/v1/me/calendar-token", json={"scope": "cluster", "cluster_id": 1},
                              headers=teacher)).json()
    assert len(await _events(api, cluster["url"])) == 4
    other = await api.post("/api/v1/me/calendar-token", json={"scope": "cluster", "cluster_id": 2}, headers=teacher)
    assert other.status_code == 403
    outsider = (await api.post("/api/v1/me/calendar-token", json={}, headers=await login("t0021"))).json()
    assert await _events(api, outsider["url"]) == []

    # Re-issuing revokes the old URL; so does DELETE.
    reissued = (await api.post("/api/v1/me/calendar-token", json={}, headers=teacher)).json()
    assert (await api.get(mine["url"].removeprefix("http://127.0.0.1:8000"))).status_code == 404
    assert len(await _events(api, reissued["url"])) == 4
    assert len(await _events(api, cluster["url"])) == 4  # another feed, untouched
    assert (await api.delete("/api/v1/me/calendar-token", headers=teacher)).status_code == 204
    assert (await api.get(reissued["url"].removeprefix("http://127.0.0.1:8000"))).status_code == 404
    assert (await api.get("/api/v1/calendars/not-a-token.ics")).status_code == 404
