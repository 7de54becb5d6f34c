"""One ownership model, tried as the attack: another staff member steering a campaign that is not
theirs, a teacher reading another cluster's sessions, a cluster organiser (a teacher) handing her
series to an admin, to another staff member's campaign, or to teachers of another cluster."""

import re
from datetime import timedelta

from sqlalchemy import select

from models import AuditEntry, Teacher, User
from tests.campaign_helpers import API, iso, login, settings, vapi  # noqa: F401  the fixtures
from tests.series_support import monday_after, stop_series_runs  # noqa: F401  the fixture
from tests.conftest import console_login

DAY = timedelta(days=1)
NOT_STEERING = "需要是该活动的发起人或协同组织者 (requires: the campaign's creator or a co-organiser)"


async def _ids(session_factory, *usernames: str) -> list[int]:
    async with session_factory() as session:
        found = dict((await session.execute(select(User.username, User.id))).all())
    return [found[name] for name in usernames]


async def _launch(vapi, login, title: str = "作文教学", by: str = "staff01") -> int:
    body = {"title": title, "cluster_ids": [1], "schedule": {p: iso(30 * DAY) for p in (
        "collect_topics", "train", "design_plan", "practise", "reflect")}}
    launched = await vapi.post(f"{API}/campaigns", json=body, headers=await login(by))
    assert launched.status_code == 201, launched.text
    return launched.json()["id"]


async def _console(vapi, username: str, path: str) -> str:
    await console_login(vapi, username, "demo-pass")
    page = await vapi.get(path)
    assert page.status_code == 200, page.text
    return page.text


async def test_only_the_creator_and_her_co_organisers_steer_a_campaign(vapi, login, session_factory, ts_env,
                                                                        worker_on):
    staff_b, admin, teacher = await _ids(session_factory, "staff02", "admin", "t0001")
    async with worker_on(ts_env.client):
        campaign_id = await _launch(vapi, login)
        base = f"{API}/campaigns/{campaign_id}"
        b = await login("staff02")
        for path, body in [("phase/close", {}), ("phase/extend", {"until": "2099-01-01T00:00:00+00:00"}),
                           ("cancel", {"reason": "不是我的活动"})]:
            refused = await vapi.post(f"{base}/{path}", json=body, headers=b)
            assert refused.status_code == 403 and refused.json()["detail"] == NOT_STEERING, refused.text
        for path in ("", "/report", "/topic-proposals"):  # other staff read it
            assert (await vapi.get(f"{base}{path}", headers=b)).status_code == 200, path
        timeline = await vapi.get(f"{API}/runs/campaign-{campaign_id}/timeline", headers=b)
        assert timeline.status_code == 200 and timeline.json()
        board = await _console(vapi, "staff02", f"/console/campaigns/{campaign_id}")
        assert 'id="close-phase"' not in board and 'id="add-organiser"' not in board
        assert 'id="add-organiser"' in await _console(vapi, "staff01", f"/console/campaigns/{campaign_id}")

        # Only staff are co-organisers; only the creator (or an admin) chooses them.
        not_staff = await vapi.post(f"{base}/organisers", json={"user_id": teacher}, headers=await login("staff01"))
        assert not_staff.status_code == 422 and not_staff.json()["detail"][0]["loc"] == ["body", "user_id"]
        assert (await vapi.post(f"{base}/organisers", json={"user_id": staff_b}, headers=b)).status_code == 403
        added = await vapi.post(f"{base}/organisers", json={"user_id": staff_b}, headers=await login("staff01"))
        assert added.status_code == 201 and [o["user_id"] for o in added.json()] == [staff_b]
        detail = (await vapi.get(base, headers=await login("t0001"))).json()
        assert [o["display_name"] for o in detail["organisers"]] == ["钱教研"]
        extended = await vapi.post(f"{base}/phase/extend", json={"until": "2099-01-01T00:00:00+00:00"}, headers=b)
        assert extended.status_code == 200, extended.text
        co_adds = await vapi.post(f"{base}/organisers", json={"user_id": admin}, headers=b)
        assert co_adds.status_code == 403 and "发起人或管理员" in co_adds.json()["detail"]
        board = await _console(vapi, "staff02", f"/console/campaigns/{campaign_id}")
        assert 'id="close-phase"' in board and 'id="remove-organiser-' not in board and "钱教研" in board

        creator_board = await _console(vapi, "staff01", f"/console/campaigns/{campaign_id}")
        assert f'id="remove-organiser-{staff_b}"' in creator_board  # no one left to add: staff02 was the other
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', creator_board).group(1)
        removed = await vapi.post(f"/console/campaigns/{campaign_id}/organisers/{staff_b}/remove", data={"csrf": csrf})
        assert removed.status_code == 303, removed.text
        refused = await vapi.post(f"{base}/phase/close", json={}, headers=b)
        assert refused.status_code == 403 and refused.json()["detail"] == NOT_STEERING

        by_admin = await vapi.post(f"{base}/organisers", json={"user_id": staff_b}, headers=await login("admin"))
        assert by_admin.status_code == 201
        assert (await vapi.post(f"{base}/cancel", json={"reason": "重复"}, headers=b)).status_code == 200

    async with session_factory() as session:  # every change of who steers is in the audit trail
        audited = (await session.execute(select(AuditEntry.route, AuditEntry.actor_name).where(
            AuditEntry.route.contains("/organisers")).order_by(AuditEntry.id))).all()
    api_route = "/api/v1/campaigns/{campaign_id}/organisers"
    assert audited == [(api_route, "周教研"), ("/console/campaigns/{campaign_id}/organisers/{user_id}/remove", "周教研"),
                       (api_route, "管理员")]


def _series_body(term_start, **overrides) -> dict:
    return {"title": "城区小学第一片 周周有约", "weekday": 3, "start_time": "14:00", "end_time": "17:00",
            "term_start": term_start.isoformat(), "term_end": (term_start + timedelta(weeks=3)).isoformat(),
            **overrides}


async def test_series_are_read_by_their_cluster_and_steered_by_their_owners(vapi, login, session_factory, ts_env,
                                                                            settings, worker_on):
    admin, outsider_user = await _ids(session_factory, "admin", "t0021")
    async with session_factory() as session:
        teacher_ids = dict((await session.execute(select(Teacher.staff_no, Teacher.id))).all())
    term_start = monday_after(await ts_env.get_current_time(), settings.tz, 14)
    organiser = await login("t0001")  # 片长 of cluster 1, a teacher
    async with worker_on(ts_env.client):
        campaign_b = await _launch(vapi, login, title="钱教研的活动", by="staff02")
        url = f"{API}/clusters/1/series"
        for overrides in ({"organiser_user_id": admin}, {"campaign_id": campaign_b}):
            refused = await vapi.post(url, json=_series_body(term_start, **overrides), headers=organiser)
            assert refused.status_code == 403 and "只有教研员" in refused.json()["detail"], refused.text
        staff_a = await login("staff01")
        outsider = await vapi.post(url, json=_series_body(term_start, organiser_user_id=outsider_user), headers=staff_a)
        assert outsider.status_code == 422 and outsider.json()["detail"][0]["loc"] == ["body", "organiser_user_id"]
        not_hers = await vapi.post(url, json=_series_body(term_start, campaign_id=campaign_b), headers=staff_a)
        assert not_hers.status_code == 403 and not_hers.json()["detail"] == NOT_STEERING

        created = await vapi.post(url, json=_series_body(term_start), headers=organiser)
        assert created.status_code == 201, created.text
        series_id = created.json()["id"]
        other_cluster = await vapi.post(f"{API}/series/{series_id}/participants",
                                        json={"teacher_ids": [teacher_ids["t0021"]]}, headers=organiser)
        assert other_cluster.status_code == 422 and other_cluster.json()["detail"][0]["loc"] == ["body", "teacher_ids"]
        series = (await vapi.get(f"{API}/series/{series_id}", headers=await login("t0005"))).json()
        session_id = series["upcoming"][0]["id"]
        recorder = await vapi.patch(f"{API}/sessions/{session_id}", json={"recorder_user_id": outsider_user},
                                    headers=organiser)
        assert recorder.status_code == 422 and recorder.json()["detail"][0]["loc"] == ["body", "recorder_user_id"]

        stranger = await login("t0021")  # a teacher of cluster 2
        for path in (f"/series/{series_id}", f"/sessions/{session_id}"):
            refused = await vapi.get(f"{API}{path}", headers=stranger)
            assert refused.status_code == 403 and "本片区" in refused.json()["detail"], path
        await console_login(vapi, "t0021", "demo-pass")
        for path in (f"/console/series/{series_id}", f"/console/sessions/{session_id}"):
            assert (await vapi.get(path)).status_code == 403, path

        b = await login("staff02")  # other staff read the series, and do not steer it
        assert (await vapi.get(f"{API}/sessions/{session_id}", headers=b)).status_code == 200
        paused = await vapi.post(f"{API}/series/{series_id}/pause", json={}, headers=b)
        assert paused.status_code == 403
        assert (await vapi.post(f"{API}/series/{series_id}/pause", json={}, headers=await login("admin"))).status_code == 200
        assert (await vapi.post(f"{API}/series/{series_id}/resume", json={}, headers=organiser)).status_code == 200
