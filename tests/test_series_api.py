"""The series API: who may do what, and the error answers (422 naming the field, 409 saying why)."""

import asyncio
from datetime import datetime, timedelta

import pytest

from tests.activity_faults import faulty_activities
from tests.series_support import (  # noqa: F401 - fixtures
    advance_to,
    api,
    monday_after,
    stop_series_runs,
)
from worker import create_worker

CLUSTER = 1  # 城区小学第一片: t0001…t0020, organiser t0001


def series_body(term_start, weeks: int = 4, **overrides) -> dict:
    body = {
        "title": "城区小学第一片 周周有约", "weekday": 3, "start_time": "14:00", "end_time": "17:00",
        "term_start": term_start.isoformat(), "term_end": (term_start + timedelta(weeks=weeks, days=-1)).isoformat(),
        "term": "2026-2027-1",
    }
    return body | overrides


async def test_create_and_read_series(api, login, ts_env, settings, worker_on):
    term_start = monday_after(await ts_env.get_current_time(), settings.tz, 14)
    async with worker_on(ts_env.client):
        created = await api.post(f"/api/v1/clusters/{CLUSTER}/series", json=series_body(term_start),
                                 headers=await login("t0001"))  # the cluster's organiser (片长)
        assert created.status_code == 201, created.text
        series = (await api.get(f"/api/v1/series/{created.json()['id']}", headers=await login("t0005"))).json()
    assert series["workflow_id"] == f"series-{series['id']}"
    assert series["participants"] == 20
    assert [s["number"] for s in series["upcoming"]] == [1, 2, 3, 4] and series["past"] == []
    first = series["upcoming"][0]
    assert first["starts_at"].startswith((term_start + timedelta(days=2)).isoformat())
    assert first["host_school_name"] == "实验小学"  # the lead school hosts first


async def test_who_may_create(api, login, ts_env, settings):
    term_start = monday_after(await ts_env.get_current_time(), settings.tz, 14)
    answer = await api.post(f"/api/v1/clusters/{CLUSTER}/series", json=series_body(term_start),
                            headers=await login("t0002"))
    assert answer.status_code == 403
    answer = await api.post("/api/v1/clusters/2/series", json=series_body(term_start), headers=await login("t0001"))
    assert answer.status_code == 403  # organiser of another cluster


async def test_invalid_series_names_the_field(api, login, ts_env, settings):
    headers = await login("staff01")
    term_start = monday_after(await ts_env.get_current_time(), settings.tz, 14)
    answer = await api.post(f"/api/v1/clusters/{CLUSTER}/series",
                            json=series_body(term_start, host_school_ids=[5]), headers=headers)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "host_school_ids"]
    answer = await api.post(f"/api/v1/clusters/{CLUSTER}/series",
                            json=series_body(term_start, end_time="13:00"), headers=headers)
    assert answer.status_code == 422
    past = monday_after(await ts_env.get_current_time(), settings.tz, -60)
    answer = await api.post(f"/api/v1/clusters/{CLUSTER}/series", json=series_body(past), headers=headers)
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", "term_end"]


async def _series_and_its_sessions(api, staff: dict, term_start) -> tuple[int, list[dict]]:
    """A series created by staff in CLUSTER, and its upcoming sessions as the API lists them."""
    series_id = (await api.post(f"/api/v1/clusters/{CLUSTER}/series", json=series_body(term_start),
                                headers=staff)).json()["id"]
    return series_id, (await api.get(f"/api/v1/series/{series_id}", headers=staff)).json()["upcoming"]


async def test_checkin_window_minutes_and_changes(api, login, ts_env, settings, worker_on, session_factory):
    term_start = monday_after(await ts_env.get_current_time(), settings.tz, 14)
    staff = await login("staff01")
    async with worker_on(ts_env.client):
        series_id, sessions = await _series_and_its_sessions(api, staff, term_start)
        first, second = sessions[0]["id"], sessions[1]["id"]

        early = await api.post(f"/api/v1/sessions/{first}/checkin", headers=await login("t0003"))
        assert early.status_code == 409
        assert "签到时间为" in early.json()["detail"]
        assert {"opens", "closes"} <= early.json().keys()
        outsider = await api.post(f"/api/v1/sessions/{first}/checkin", headers=await login("t0021"))
        assert outsider.status_code == 403

        minutes = await api.put(f"/api/v1/sessions/{first}/minutes", json={"content": "纪要"},
                                headers=await login("t0001"))
        assert minutes.status_code == 409  # not held yet
        not_recorder = await api.put(f"/api/v1/sessions/{first}/minutes", json={"content": "纪要"},
                                     headers=await login("t0002"))
        assert not_recorder.status_code == 403

        assert (await api.post(f"/api/v1/series/{series_id}/pause", json={}, headers=await login("t0002"))).status_code == 403
        assert (await api.post(f"/api/v1/series/{series_id}/resume", json={}, headers=staff)).status_code == 409
        bad_host = await api.patch(f"/api/v1/sessions/{first}", json={"host_school_id": 5}, headers=staff)
        assert bad_host.status_code == 422 and bad_host.json()["detail"][0]["loc"] == ["body", "host_school_id"]
        assert (await api.post(f"/api/v1/sessions/{first}/skip", json={}, headers=staff)).status_code == 422

        skipped = await api.post(f"/api/v1/sessions/{second}/skip", json={"reason": "期中考试"}, headers=staff)
        assert skipped.status_code == 200 and skipped.json()["status"] == "skipped"
        again = await api.post(f"/api/v1/sessions/{second}/skip", json={"reason": "x"}, headers=staff)
        assert again.status_code == 409

        start = (await api.get(f"/api/v1/sessions/{first}", headers=staff)).json()["starts_at"]
        await advance_to(ts_env, datetime.fromisoformat(start) - timedelta(minutes=10))
        checked = await api.post(f"/api/v1/sessions/{first}/checkin", headers=await login("t0003"))
        assert checked.status_code == 201
        twice = await api.post(f"/api/v1/sessions/{first}/checkin", headers=await login("t0003"))
        assert twice.json()["checked_in_at"] == checked.json()["checked_in_at"]
        late_move = await api.post(f"/api/v1/sessions/{first}/reschedule", headers=staff,
                                   json={"starts_at": "2000-01-01T09:00:00", "ends_at": "2000-01-01T12:00:00"})
        assert late_move.status_code == 422  # the new start is in the past
        detail = (await api.get(f"/api/v1/sessions/{first}", headers=staff)).json()
        assert detail["checked_in"] == 1 and detail["participants"] == 20


async def _first_step_done(handle) -> None:
    from temporalio.api.enums.v1 import EventType

    for _ in range(200):
        if any(e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED for e in (await handle.fetch_history()).events):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the series run never took its first step")


@pytest.mark.parametrize("when", ["while its first step runs", "after its first step"])
async def test_cancelling_the_run_from_outside_ends_the_series(api, login, ts_env, settings, session_factory, when):
    """An admin cancels the run (runs console): the series is ended in the database, its upcoming
    sessions cancelled, and its participants told, as if the organiser had ended it. While a step
    runs, the cancel reaches the workflow as the activity's cancellation, not asyncio's."""
    from sqlalchemy import select

    from models import Notification, Series, SeriesSession

    term_start = monday_after(await ts_env.get_current_time(), settings.tz, 14)
    held = {"advance_series": 1.5} if when == "while its first step runs" else {}
    activities = faulty_activities(settings, session_factory, slow=held)
    async with create_worker(ts_env.client, settings=settings, session_factory=session_factory, activities=activities):
        series_id = (await api.post(f"/api/v1/clusters/{CLUSTER}/series", json=series_body(term_start),
                                    headers=await login("staff01"))).json()["id"]
        if held:
            await asyncio.sleep(0.3)  # the first step is held open
        else:
            await _first_step_done(ts_env.client.get_workflow_handle(f"series-{series_id}"))
        answer = await api.post(f"/api/v1/runs/series-{series_id}/cancel", json={"reason": "重复创建"},
                                headers=await login("admin"))
        assert answer.status_code == 202, answer.text

        async def told() -> bool:
            async with session_factory() as session:
                kinds = await session.scalars(select(Notification.kind).where(Notification.series_id == series_id))
                return "session_cancelled" in set(kinds)

        for _ in range(100):
            if await told():
                break
            await asyncio.sleep(0.05)
        async with session_factory() as session:
            status = (await session.get(Series, series_id)).status
            statuses = set(await session.scalars(select(SeriesSession.status).where(SeriesSession.series_id == series_id)))
        assert await told() and status == "ended" and statuses == {"cancelled"}


async def test_a_change_whose_update_is_lost_is_announced_at_the_next_step(api, login, ts_env, settings, worker_on,
                                                                          session_factory, monkeypatch):
    """Temporal is unreachable when staff skip a session: the skip is stored (answered 2xx), and
    its notice goes out when the run takes its next step instead of being lost."""
    from sqlalchemy import select

    from engine import series as series_run
    from models import Notification

    async def unreachable(*_, **__) -> bool:
        return False

    term_start = monday_after(await ts_env.get_current_time(), settings.tz, 14)
    staff = await login("staff01")
    async with worker_on(ts_env.client):
        series_id, upcoming = await _series_and_its_sessions(api, staff, term_start)
        second = upcoming[1]["id"]
        monkeypatch.setattr(series_run, "send_change", unreachable)
        skipped = await api.post(f"/api/v1/sessions/{second}/skip", json={"reason": "期中考试"}, headers=staff)
        assert skipped.status_code == 200, skipped.text

        async def skip_notices() -> list[str]:
            async with session_factory() as session:
                return list(await session.scalars(select(Notification.key).where(
                    Notification.series_id == series_id, Notification.key.like(f"series:{series_id}:change:%"))))

        assert await skip_notices() == []
        # The run's next step: the first session's announcement, due before it starts.
        await advance_to(ts_env, datetime.fromisoformat(upcoming[0]["starts_at"]))
        for _ in range(100):
            if await skip_notices():
                break
            await asyncio.sleep(0.05)
        assert len(await skip_notices()) == 1
