"""A teacher's one to-do list (待办, GET /me/todos): a campaign action she has not taken, a session
check-in open now and a tour stop's checklist due, in deadline order; each drops once done."""

from datetime import timedelta

from sqlalchemy import update

from models import SeriesSession
from tests.campaign_helpers import collecting_campaign
from tests.conftest import console_login
from tests.series_support import api, stop_series_runs, user_ids  # noqa: F401 - fixtures


async def test_the_todo_list_gathers_every_programme_in_deadline_order_and_drops_what_is_done(
        api, login, ts_env, session_factory, worker_on, settings):
    teacher, staff, colleague = await login("t0002"), await login("staff01"), await login("t0003")
    now = await ts_env.get_current_time()
    campaign_id = await collecting_campaign(session_factory)
    first_problem = await api.post(f"/api/v1/campaigns/{campaign_id}/problems", headers=colleague,
                                   json={"title": "学生计算总出错"})
    assert first_problem.status_code == 201, first_problem.text

    async def todos() -> list[tuple[str, str]]:
        answer = await api.get("/api/v1/me/todos", headers=teacher)
        assert answer.status_code == 200, answer.text
        return [(todo["source"], todo["action"]) for todo in answer.json()]

    # Only the campaign so far: she has submitted nothing and voted for nothing.
    assert await todos() == [("campaign", "submit_problem"), ("campaign", "vote")]

    async with worker_on(ts_env.client):
        term_start = (now + timedelta(days=7)).astimezone(settings.tz).date()
        series = await api.post("/api/v1/clusters/1/series", headers=staff, json={
            "title": "周周有约", "weekday": term_start.isoweekday(), "start_time": "14:00", "end_time": "17:00",
            "term_start": term_start.isoformat(), "term_end": (term_start + timedelta(days=6)).isoformat()})
        assert series.status_code == 201, series.text
        (presenter,) = await user_ids(session_factory, "t0002")
        first = now + timedelta(days=10)
        tour = await api.post("/api/v1/tours", headers=staff, json={
            "title": "送教下乡", "presenter_user_id": presenter, "stops": [{
                "host_school_id": 5, "starts_at": first.isoformat(), "ends_at": (first + timedelta(hours=2)).isoformat()}]})
        assert tour.status_code == 201, tour.text
    # The session starts in 10 minutes: its check-in window is open now.
    async with session_factory() as session:
        await session.execute(update(SeriesSession).values(starts_at=now + timedelta(minutes=10),
                                                           ends_at=now + timedelta(hours=3)))
        await session.commit()

    mine = (await api.get("/api/v1/me/todos", headers=teacher)).json()
    assert [(todo["source"], todo["action"]) for todo in mine] == [
        ("series", "check_in"), ("tour", "checklist"), ("campaign", "submit_problem"), ("campaign", "vote")]
    dues = [todo["due"] for todo in mine]
    assert dues == sorted(dues)
    session_id, stop_id = mine[0]["record_id"], mine[1]["record_id"]
    assert mine[0]["link"] == f"/console/sessions/{session_id}"
    assert mine[1]["link"] == f"/console/tour-stops/{stop_id}"
    assert mine[2]["link"] == f"/console/campaigns/{campaign_id}/problems/new"

    # The console's home lists the same, each linking to its form (it read 「暂无待办任务」 before).
    assert (await console_login(api, "t0002")).status_code == 303
    home = (await api.get("/console/me")).text
    assert "暂无待办任务" not in home
    assert all(f'href="{todo["link"]}"' in home for todo in mine)
    assert home.index(mine[0]["title"]) < home.index(mine[1]["title"]) < home.index(mine[2]["title"])

    # Each drops once done.
    assert (await api.post(f"/api/v1/sessions/{session_id}/checkin", headers=teacher)).status_code == 201
    ticked = await api.put(f"/api/v1/tour-stops/{stop_id}/checklist", headers=teacher, json={"ticked": [0, 1]})
    assert ticked.status_code == 200
    assert await todos() == [("tour", "checklist"), ("campaign", "submit_problem"), ("campaign", "vote")]
    await api.put(f"/api/v1/tour-stops/{stop_id}/checklist", headers=teacher, json={"ticked": [0, 1, 2, 3]})
    await api.post(f"/api/v1/campaigns/{campaign_id}/problems", headers=teacher, json={"title": "作文无话可写"})
    assert await todos() == [("campaign", "vote")]
    await api.post(f"/api/v1/campaigns/{campaign_id}/problems/{first_problem.json()['id']}/votes", headers=teacher)
    assert await todos() == []
    assert "暂无待办任务" in (await api.get("/console/me")).text
