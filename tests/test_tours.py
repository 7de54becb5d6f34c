"""Touring lessons (送教下乡) on the time-skipping server: the stops in the presenter's and the host
teachers' calendar feeds, a reschedule keeping its UID, the checklist reminder, the host school's
feedback chased until given, staff ending a tour, and the Excel import."""

from datetime import datetime, timedelta

from icalendar import Calendar
from sqlalchemy import select

from models import Tour, TourChange, TourStop
from services.tours.demo import load_demo_tours
from tests.series_support import (  # noqa: F401 - fixtures
    advance_to, api, eventually_recipients, recipients, stop_series_runs, user_ids,
)

HOUR, MINUTE = timedelta(hours=1), timedelta(minutes=1)
# t0002 (实验小学, cluster 1) presents; 东湖镇中心小学 (school 5: t0021–t0025, contact t0021) and
# 桃园小学 (school 6: t0026–t0030, contact t0026) host.
HOST_A, HOST_B = 5, 6


def tour_body(first: datetime, **extra) -> dict:
    stops = [{"host_school_id": host, "starts_at": (first + timedelta(weeks=n)).isoformat(),
              "ends_at": (first + timedelta(weeks=n, hours=2)).isoformat(), "topic": f"第{n + 1}课"}
             for n, host in enumerate([HOST_A, HOST_B])]
    return {"title": "小学数学送教下乡", "subject": "数学", "stops": stops, **extra}


async def _presenter_tour(api, login, session_factory, first: datetime) -> tuple[int, list[dict]]:
    (presenter,) = await user_ids(session_factory, "t0002")
    created = await api.post("/api/v1/tours", json=tour_body(first, presenter_user_id=presenter),
                             headers=await login("staff01"))
    assert created.status_code == 201, created.text
    detail = (await api.get(f"/api/v1/tours/{created.json()['id']}", headers=await login("t0002"))).json()
    return created.json()["id"], detail["stops"]


async def _events(api, login, username: str) -> dict[str, object]:
    feed = (await api.post("/api/v1/me/calendar-token", json={}, headers=await login(username))).json()
    answer = await api.get(feed["url"].removeprefix("http://127.0.0.1:8000"))
    assert answer.status_code == 200
    return {str(event.get("uid")): event for event in Calendar.from_ical(answer.content).walk("VEVENT")}


async def _stop_uids(session_factory, tour_id: int) -> list[str]:
    async with session_factory() as session:
        return [f"{uid}@jiaoyan-flow" for uid in await session.scalars(
            select(TourStop.uid).where(TourStop.tour_id == tour_id).order_by(TourStop.starts_at))]


async def test_stops_are_in_the_presenters_and_the_hosts_feeds_and_a_reschedule_keeps_the_uid(
        api, login, ts_env, session_factory, worker_on):
    first = await ts_env.get_current_time() + timedelta(days=30)
    tour_id, stops = await _presenter_tour(api, login, session_factory, first)
    uids = await _stop_uids(session_factory, tour_id)

    presenter = await _events(api, login, "t0002")
    assert set(uids) <= presenter.keys()
    host_a, host_b, elsewhere = [await _events(api, login, name) for name in ("t0022", "t0027", "t0041")]
    assert uids[0] in host_a and uids[1] not in host_a
    assert uids[1] in host_b and uids[0] not in host_b
    assert not set(uids) & elsewhere.keys()
    event = presenter[uids[0]]
    assert event.decoded("sequence") == 0 and str(event.get("status")) == "CONFIRMED"
    assert "东湖镇中心小学" in str(event.get("summary"))

    moved_to = (first + timedelta(days=2)).replace(microsecond=0)  # calendars keep whole seconds
    staff = await login("staff01")
    async with worker_on(ts_env.client):
        moved = await api.post(f"/api/v1/tour-stops/{stops[0]['id']}/reschedule", headers=staff,
                               json={"starts_at": moved_to.isoformat(), "ends_at": (moved_to + 2 * HOUR).isoformat()})
        assert moved.status_code == 200, moved.text
        skipped = await api.post(f"/api/v1/tour-stops/{stops[1]['id']}/skip", headers=staff, json={"reason": "台风"})
        assert skipped.status_code == 200
        (presenter,) = await user_ids(session_factory, "t0002")
        async with session_factory() as session:
            change = await session.scalar(select(TourChange.id).where(TourChange.tour_id == tour_id,
                                                                      TourChange.action == "rescheduled"))
        assert presenter in await eventually_recipients(session_factory, f"tour:{tour_id}:change:{change}")

    for feed in (await _events(api, login, "t0002"), await _events(api, login, "t0022")):
        assert feed[uids[0]].decoded("sequence") == 1 and feed[uids[0]].decoded("dtstart") == moved_to
    assert str((await _events(api, login, "t0027"))[uids[1]].get("status")) == "CANCELLED"
    # The cluster feed of the host school's cluster has them too.
    cluster = (await api.post("/api/v1/me/calendar-token", json={"scope": "cluster", "cluster_id": 2},
                              headers=await login("t0022"))).json()
    body = (await api.get(cluster["url"].removeprefix("http://127.0.0.1:8000"))).text
    assert uids[0] in body


async def test_the_checklist_is_reminded_and_the_feedback_chased_until_given(
        api, login, ts_env, session_factory, worker_on, settings):
    first = await ts_env.get_current_time() + timedelta(days=20)
    presenter, contact_a = await user_ids(session_factory, "t0002", "t0021")
    async with worker_on(ts_env.client):
        tour_id, stops = await _presenter_tour(api, login, session_factory, first)
        stop_a, stop_b = stops[0]["id"], stops[1]["id"]
        teacher = await login("t0002")
        # Stop B's checklist is all done in time: no reminder for it.
        await api.put(f"/api/v1/tour-stops/{stop_b}/checklist", headers=teacher, json={"ticked": [0, 1, 2, 3]})
        due = first - timedelta(days=settings.tour_checklist_days_before)
        await advance_to(ts_env, due - MINUTE)
        # Announced a checklist's lead time before it is due, to the presenter and the host's teachers.
        host_teachers = set(await user_ids(session_factory, *[f"t00{n}" for n in range(21, 26)]))
        assert await eventually_recipients(session_factory, f"tour_stop:{stop_a}:announce:seq0") == {
            presenter, *host_teachers}
        assert await recipients(session_factory, f"tour_stop:{stop_a}:checklist:seq0") is None
        await advance_to(ts_env, due + MINUTE)
        assert await eventually_recipients(session_factory, f"tour_stop:{stop_a}:checklist:seq0") == {presenter}

        # After stop A: the request, then chases to the host's contact every few days.
        chase = timedelta(days=settings.tour_feedback_chase_days)
        closes = first + 2 * HOUR + timedelta(minutes=settings.checkin_tour_stop_closes_minutes_after)
        await advance_to(ts_env, closes + chase + MINUTE)
        assert await eventually_recipients(session_factory, f"tour_stop:{stop_a}:feedback:0") == {contact_a}
        assert await eventually_recipients(session_factory, f"tour_stop:{stop_a}:feedback:1") == {contact_a}
        given = await api.put(f"/api/v1/tour-stops/{stop_a}/feedback", headers=await login("t0023"),
                              json={"rating": 5, "strengths": "贴近学情", "suggestions": "<b>多些练习</b>"})
        assert given.status_code == 200, given.text
        refused = await api.put(f"/api/v1/tour-stops/{stop_a}/feedback", headers=teacher, json={"rating": 1})
        assert refused.status_code == 403  # the presenter does not grade her own lesson

        # Stop B: its feedback never comes; the chases run out and staff hear of it.
        closes_b = closes + timedelta(weeks=1)
        await advance_to(ts_env, closes_b + (settings.tour_feedback_chases + 1) * chase + MINUTE)
        (staff,) = await user_ids(session_factory, "staff01")
        assert await eventually_recipients(session_factory, f"tour_stop:{stop_b}:feedback:overdue") == {staff}
        assert await recipients(session_factory, f"tour_stop:{stop_b}:checklist:seq0") is None
    # Given after the first chase: nothing more for stop A.
    assert await recipients(session_factory, f"tour_stop:{stop_a}:feedback:2") is None
    assert await recipients(session_factory, f"tour_stop:{stop_a}:feedback:overdue") is None
    async with session_factory() as session:
        assert (await session.get(Tour, tour_id)).status == "completed"


async def test_staff_end_a_tour_once_and_its_stops_ahead_are_called_off(api, login, ts_env, session_factory,
                                                                          worker_on):
    first = await ts_env.get_current_time() + timedelta(days=20)
    async with worker_on(ts_env.client):
        tour_id, stops = await _presenter_tour(api, login, session_factory, first)
        other = await api.post(f"/api/v1/tours/{tour_id}/end", headers=await login("staff02"), json={})
        assert other.status_code == 403
        ended = await api.post(f"/api/v1/tours/{tour_id}/end", headers=await login("staff01"), json={"reason": "经费"})
        assert ended.status_code == 200 and ended.json()["status"] == "ended", ended.text
        again = await api.post(f"/api/v1/tours/{tour_id}/end", headers=await login("staff01"), json={})
        assert again.status_code == 409
        assert await eventually_recipients(session_factory, f"tour_stop:{stops[0]['id']}:ended")
    detail = (await api.get(f"/api/v1/tours/{tour_id}", headers=await login("staff01"))).json()
    assert [stop["status"] for stop in detail["stops"]] == ["cancelled", "cancelled"]


def _sheet(rows: list[list[str]]) -> bytes:
    header = ["送教活动", "主讲教师", "名师工作室", "承办学校", "开始时间", "结束时间", "课题", "学科"]
    return "\n".join(",".join(row) for row in [header, *rows]).encode()


async def test_importing_the_same_sheet_twice_changes_nothing_and_bad_rows_are_all_named(api, login, ts_env):
    staff = await login("staff01")
    demo_tours = len((await api.get("/api/v1/tours", headers=staff)).json())
    studio = await api.post("/api/v1/studios", headers=staff, json={"name": "王晓燕名师工作室", "member_user_ids": [4, 5]})
    assert studio.status_code == 201, studio.text
    start = (await ts_env.get_current_time() + timedelta(days=40)).strftime("%Y-%m-%d")
    good = _sheet([
        ["数学送教", "t0002", "", "东湖镇中心小学", f"{start} 09:00", f"{start} 11:00", "分数的意义", "数学"],
        ["数学送教", "t0002", "", "桃园小学", f"{start} 14:00", f"{start} 16:00", "分数的意义", "数学"],
        ["语文送教", "", "王晓燕名师工作室", "石桥小学", f"{start} 09:00", f"{start} 11:00", "习作", "语文"],
    ])
    first = await api.post("/api/v1/tours/import", headers=staff, files={"file": ("tours.csv", good, "text/csv")})
    assert first.status_code == 200, first.text
    assert first.json() == {"created": 2, "unchanged": 0, "stops": 3}
    again = await api.post("/api/v1/tours/import", headers=staff, files={"file": ("tours.csv", good, "text/csv")})
    assert again.json() == {"created": 0, "unchanged": 2, "stops": 0}
    assert len((await api.get("/api/v1/tours", headers=staff)).json()) == demo_tours + 2

    bad = _sheet([
        ["新送教", "t0002", "", "东湖镇中心小学", f"{start} 09:00", f"{start} 11:00", "", ""],
        ["新送教", "nobody", "", "没有这所学校", f"{start} 09:00", f"{start} 08:00", "", ""],
        ["新送教", "t0002", "王晓燕名师工作室", "桃园小学", "明天", f"{start} 11:00", "", ""],
    ])
    refused = await api.post("/api/v1/tours/import", headers=staff, files={"file": ("tours.csv", bad, "text/csv")})
    assert refused.status_code == 422
    assert {error["row"] for error in refused.json()["errors"]} == {3, 4}
    assert {"主讲教师", "承办学校"} <= {error["column"] for error in refused.json()["errors"] if error["row"] == 3}
    assert len((await api.get("/api/v1/tours", headers=staff)).json()) == demo_tours + 2  # all or nothing


async def test_the_demo_county_has_a_year_of_tours(api, login, session_factory):
    async with session_factory() as session:
        await load_demo_tours(session)
        await session.commit()
    staff = await login("staff01")
    tours = (await api.get("/api/v1/tours", headers=staff)).json()
    assert len(tours) == 2 and {tour["title"] for tour in tours} == {"小学数学送教下乡", "名师工作室送教：习作教学"}
    stops = (await api.get("/api/v1/tour-calendar", headers=staff)).json()
    assert len(stops) == 20 and {stop["host_school_name"] for stop in stops} == {
        "东湖镇中心小学", "桃园小学", "石桥小学", "清河小学"}
    # Each presenter finds them in her own list: t0003 alone, t0004 through the studio.
    assert [tour["title"] for tour in (await api.get("/api/v1/tours", headers=await login("t0004"))).json()] == [
        "名师工作室送教：习作教学"]
