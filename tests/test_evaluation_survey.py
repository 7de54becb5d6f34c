"""The 合作满意度 survey stays anonymous in every result staff can read, and the round's step is
safe to run twice."""

from datetime import datetime, timedelta

from sqlalchemy import inspect, select

from models import EvaluationReview, EvaluationRound, SurveyInvitation, SurveyResponse
from services.evaluation import flow
from tests.evaluation_support import CLUSTER


async def _round_in_review(api, login, session_factory, tz) -> int:
    today = datetime.now(tz).date()
    created = await api.post("/api/v1/evaluation/rounds", headers=await login("staff01"), json={
        "cluster_id": CLUSTER, "term": "2026-2027-1", "term_start": (today - timedelta(days=60)).isoformat(),
        "term_end": (today + timedelta(days=1)).isoformat()})
    assert created.status_code == 201, created.text
    async with session_factory() as session:
        round_ = await session.get(EvaluationRound, created.json()["id"])
        await flow.advance(session, round_id=round_.id, now=round_.collect_until, tz=tz)
        await session.commit()
    return round_.id


async def _todo_actions(api, headers) -> list[str]:
    answer = await api.get("/api/v1/me/todos", headers=headers)
    assert answer.status_code == 200, answer.text
    return [todo["action"] for todo in answer.json() if todo["source"] == "evaluation"]


async def test_answers_are_anonymous_in_every_result(api, login, session_factory, settings):
    round_id = await _round_in_review(api, login, session_factory, settings.tz)
    url = f"/api/v1/evaluation/rounds/{round_id}/survey"
    assert await _todo_actions(api, await login("t0003")) == ["survey"]  # her to-do until she answers
    assert sorted(await _todo_actions(api, await login("t0001"))) == ["enter", "review", "survey"]  # school 1's contact
    for username, answers in (("t0003", (5, 4, 4, "王老师的示范课很好")), ("t0007", (3, 3, 2, "活动太集中"))):
        partners, activities, feedback, comment = answers
        answer = await api.post(url, headers=await login(username), json={
            "partners": partners, "activities": activities, "feedback": feedback, "comment": comment})
        assert answer.status_code == 204, answer.text
    assert await _todo_actions(api, await login("t0003")) == []
    again = await api.post(url, headers=await login("t0003"), json={"partners": 1, "activities": 1, "feedback": 1})
    assert again.status_code == 409
    for outsider in ("t0021", "staff01"):  # another alliance's teacher; staff are not asked
        answer = await api.post(url, headers=await login(outsider), json={"partners": 1, "activities": 1, "feedback": 1})
        assert answer.status_code == 403
    assert (await api.get(url, headers=await login("t0003"))).status_code == 403  # results are staff's

    results = await api.get(url, headers=await login("staff01"))
    assert results.status_code == 200
    body = results.json()
    assert set(body) == {"invited", "answered", "response_rate", "means", "comments"}
    assert (body["invited"], body["answered"], body["response_rate"]) == (20, 2, 10.0)
    assert body["comments"] == sorted(["王老师的示范课很好", "活动太集中"])  # text order, not answer order
    assert body["means"] == {"合作伙伴满意度": 4.0, "教研活动收获": 3.5, "师生反馈": 3.0}
    assert not any(name in results.text for name in ("t0003", "t0007", "user", "school", "_at"))
    # Nothing stored with an answer can name its author; the invitation keeps no time either.
    assert {column.name for column in inspect(SurveyResponse).columns} == {
        "id", "round_id", "partners", "activities", "feedback", "comment"}
    assert {column.name for column in inspect(SurveyInvitation).columns} == {"round_id", "user_id", "answered"}
    # The round's figures show the survey for the alliance only, never per school.
    detail = (await api.get(f"/api/v1/evaluation/rounds/{round_id}", headers=await login("staff01"))).json()
    assert [v["school_id"] for v in detail["values"] if v["indicator"] == "satisfaction"] == [None]


async def test_the_step_is_safe_to_run_twice(api, login, session_factory, settings):
    round_id = await _round_in_review(api, login, session_factory, settings.tz)
    async with session_factory() as session:
        round_ = await session.get(EvaluationRound, round_id)
        at = round_.review_until - timedelta(days=1)
        first = await flow.advance(session, round_id=round_id, now=at, tz=settings.tz)
        await session.commit()
        second = await flow.advance(session, round_id=round_id, now=at, tz=settings.tz)
        await session.commit()
        reviews = list(await session.scalars(select(EvaluationReview).where(EvaluationReview.round_id == round_id)))
    assert first.notices and not second.notices  # both reminders went with the first
    assert first.wake_at == second.wake_at == round_.review_until
    assert len(reviews) == 4


async def test_the_scheme_is_versioned_and_a_round_keeps_its_version(api, login, session_factory, settings):
    round_id = await _round_in_review(api, login, session_factory, settings.tz)
    admin = await login("admin")
    scheme = (await api.get("/api/v1/evaluation/scheme", headers=admin)).json()
    assert scheme["version"] == 1 and "series.sessions_held" in scheme["queries"]
    labels = [i["label"] for i in scheme["scheme"]["indicators"]]
    assert len(labels) == len(set(labels)) and {i["dimension"] for i in scheme["scheme"]["indicators"]} == {
        "management", "teachers", "resources", "collaboration", "improvement"}
    edited = scheme["scheme"]
    edited["indicators"][0]["query"] = "series.no_such_query"
    answer = await api.put("/api/v1/evaluation/scheme", headers=admin, json=edited)
    assert answer.status_code == 422 and "indicators.0.query" in answer.text
    edited["indicators"][0] |= {"query": "series.sessions_held", "weight": 20}
    assert (await api.put("/api/v1/evaluation/scheme", headers=await login("staff01"), json=edited)).status_code == 403
    answer = await api.put("/api/v1/evaluation/scheme", headers=admin, json=edited)
    assert answer.status_code == 200 and answer.json()["version"] == 2
    kept = (await api.get(f"/api/v1/evaluation/rounds/{round_id}", headers=admin)).json()
    assert kept["scheme_version"] == 1
