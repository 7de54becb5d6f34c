"""The alliance evaluation end to end on two terms of fixture records: every computed value equals a
count made here from what was written (alliance and each school), every score lists its records,
a dispute reaches staff and is answered, missing entries are chased then escalated, an override
needs a reason, and a published round never changes again."""

import math
from datetime import datetime, timedelta

from sqlalchemy import select

from contracts.evaluation.history import RoundStage
from models import EvaluationRound, SessionCheckin
from services.evaluation import flow
from tests.campaign_helpers import eventually
from tests.evaluation_support import CLUSTER, Term, write_term
from tests.series_support import (  # noqa: F401 - fixtures
    advance_to, api, eventually_recipients, monday_after, recipients, user_ids,
)

WEEKS = 4


def expected(term: Term, tz, exchanges: list) -> dict[str, dict[int | None, tuple[float, set[str]]]]:
    """Each computed indicator, counted from the fixture's own lists: level → (value, records).
    `exchanges`: every term's, as they overlap."""
    levels = [None, 1, 2, 3, 4]

    def of(level, user_id):
        return level is None or term.teachers.get(user_id) == level

    def attended(level, meeting):
        return level is None or any(term.teachers[user] == level for user in meeting.attendees)

    def local_day(meeting):
        return meeting.starts_at.astimezone(tz).date()

    def sessions(level, meetings):
        found = {f"session:{m.id}" for m in meetings if attended(level, m)}
        return len(found), found

    def rate(part, whole):
        return round(100 * part / whole, 1) if whole else 0.0

    figures = {}
    figures["sessions_held"] = {level: sessions(level, term.meetings) for level in levels}
    figures["term_start_meeting"] = {level: sessions(level, [m for m in term.meetings if (
        local_day(m) - term.start).days < 14]) for level in levels}
    figures["term_end_review"] = {level: sessions(level, [m for m in term.meetings if (
        term.end - local_day(m)).days < 14]) for level in levels}
    attendance = {}
    for level in levels:
        expected_count = sum(1 for _ in term.meetings for user in term.participants if of(level, user))
        came = {f"checkin:{m.attendees[user]}" for m in term.meetings for user in m.attendees if of(level, user)}
        attendance[level] = (rate(len(came), expected_count), came)
    figures["session_attendance"] = attendance
    minutes = {}
    for level in levels:
        hosted = [m for m in term.meetings if level is None or m.host == level]
        on_time = {f"session:{m.id}" for m in hosted if m.minutes_on_time}
        minutes[level] = (rate(len(on_time), len(hosted)), on_time)
    figures["minutes_on_time"] = minutes
    weeks = math.ceil(((term.end - term.start).days + 1) / 7)
    half = {}
    for level in levels:
        covered = {(local_day(m) - term.start).days // 7 for m in term.meetings if m.hours >= 3 and attended(level, m)}
        half[level] = (rate(len(covered), weeks), None)
    figures["half_day_weeks"] = half
    figures["trainings_attended"] = {level: (len(found := {f"training_checkin:{t}-{u}" for t, u in term.training_checkins
                                                            if of(level, u)}), found) for level in levels}
    figures["reflections"] = {level: (len(found := {f"reflection:{r}" for r, u in term.reflections if of(level, u)}),
                                      found) for level in levels}
    figures["campaigns_completed"] = {level: (1, {f"campaign:{term.campaign_id}"}) if level is None or level in
                                      term.campaign_schools else (0, set()) for level in levels}
    figures["topics_completed"] = {level: (len(found := {f"topic:{t}" for t, lead in term.topics if of(level, lead)}),
                                           found) for level in levels}
    figures["mentor_stages_passed"] = {level: (len(found := {f"mentoring_verdict:{v}" for v, school in term.stages_passed
                                                              if level is None or school == level}), found)
                                       for level in levels}
    for code, rows in (("resources_shared", term.resources), ("resources_borrowed", term.borrowings)):
        kind = "resource" if code == "resources_shared" else "borrowing"
        figures[code] = {level: (len(found := {f"{kind}:{i}" for i, school in rows if level is None or school == level}),
                                 found) for level in levels}
    # Exchanges span terms: every exchange written (both terms') that overlaps this one counts.
    under_way = [(e, teacher, school, what, start, min(end, term.end) - start) for e, teacher, school, what, start, end
                 in exchanges if what in ("long", "short") and start <= term.end and end >= term.start]
    figures["exchanges_long"] = {level: (len(found := {f"exchange:{e}" for e, _, school, what, _, lasted in under_way
                                                       if what == "long" and lasted.days >= 365
                                                       and (level is None or school == level)}), found)
                                 for level in levels}
    short = {}
    for level in levels:
        base = sum(1 for school in term.teachers.values() if level is None or school == level)
        away = [(teacher, e) for e, teacher, school, _, _, lasted in under_way
                if lasted.days >= 7 and (level is None or school == level)]
        short[level] = (rate(len({teacher for teacher, _ in away}), base), {f"exchange:{e}" for _, e in away})
    figures["exchanges_short"] = short
    return figures


def assert_figures(detail: dict, term: Term, tz, exchanges: list) -> None:
    values = {(v["indicator"], v["school_id"]): v for v in detail["values"]}
    for code, levels in expected(term, tz, exchanges).items():
        for level, (value, records) in levels.items():
            got = values[(code, level)]
            assert got["value"] == value, (code, level, got["value"], value, set(got["records"]) ^ (records or set()))
            if records is not None:
                assert set(got["records"]) == records, (code, level)
            assert (got["score"] is None) == (got["value"] is None)
    for value in detail["values"]:  # every score lists the records behind it, whatever its source
        assert isinstance(value["records"], list)
        if value["value"]:
            assert value["records"], value["indicator"]


async def test_evaluation_round_over_two_terms(api, login, ts_env, settings, worker_on, session_factory):
    tz = settings.tz
    start_a = monday_after(await ts_env.get_current_time(), tz, 7)
    start_b = start_a + timedelta(weeks=WEEKS)
    term_a = await write_term(session_factory, start=start_a, weeks=WEEKS, tz=tz, seed=1)
    term_b = await write_term(session_factory, start=start_b, weeks=WEEKS, tz=tz, seed=2)
    staff = await login("staff01")
    staff_id, contact_1, contact_2 = await user_ids(session_factory, "staff01", "t0001", "t0006")
    async with worker_on(ts_env.client):
        made = []
        for term, start in (("2026-2027-1", start_a), ("2026-2027-2", start_b)):
            answer = await api.post("/api/v1/evaluation/rounds", headers=staff, json={
                "cluster_id": CLUSTER, "term": term, "term_start": start.isoformat(),
                "term_end": (start + timedelta(weeks=WEEKS, days=-1)).isoformat(), "review_days": 10,
                "reminder_days": [5, 2]})
            assert answer.status_code == 201, answer.text
            made.append(answer.json())
        round_a, round_b = made
        url_a, url_b = (f"/api/v1/evaluation/rounds/{r['id']}" for r in made)

        # Collecting ends with the term: the final count, then the schools review.
        await advance_to(ts_env, _at(round_a["collect_until"]) + timedelta(hours=1))
        await eventually_recipients(session_factory, f"evaluation:{round_a['id']}:review:1")
        detail = (await api.get(url_a, headers=staff)).json()
        assert detail["stage"] == "review"
        exchanges = term_a.exchanges + term_b.exchanges
        assert_figures(detail, term_a, tz, exchanges)
        assert_figures((await api.get(url_b, headers=staff)).json(), term_b, tz, exchanges)

        # A dispute reaches staff, and the answer reaches the school.
        contact_headers = await login("t0006")
        answer = await api.post(f"{url_a}/schools/2/review", headers=contact_headers, json={"decision": "dispute"})
        assert answer.status_code == 422  # a dispute says why
        answer = await api.post(f"{url_a}/schools/2/review", headers=contact_headers,
                                json={"decision": "dispute", "reason": "第1次活动我校签到未计入"})
        assert answer.status_code == 200, answer.text
        await reaches(session_factory, f"evaluation:{round_a['id']}:dispute:2", {staff_id})
        answer = await api.post(f"{url_a}/schools/2/answer", headers=staff, json={"answer": "已核实，签到在窗口外"})
        assert answer.status_code == 200, answer.text
        await reaches(session_factory, f"evaluation:{round_a['id']}:answer:2", {contact_2})
        assert (await api.post(f"{url_a}/schools/1/review", headers=await login("t0006"),
                               json={"decision": "confirm"})).status_code == 403  # another school's
        assert (await api.post(f"{url_a}/schools/1/review", headers=await login("t0001"),
                               json={"decision": "confirm"})).status_code == 200

        # School 1 enters its indicators; the others are reminded, then staff get the escalation.
        entered = [v for v in detail["values"] if v["indicator"] in ("teaching_results", "shared_results")]
        for value in [v for v in entered if v["school_id"] == 1]:
            answer = await api.put(f"{url_a}/values/{value['id']}/entry", headers=await login("t0001"),
                                   json={"value": 3, "evidence": "区级公开课 2 节、论文 1 篇"})
            assert answer.status_code == 200, answer.text
        school_2_entry = next(v for v in entered if v["school_id"] == 2)
        assert (await api.put(f"{url_a}/values/{school_2_entry['id']}/entry", headers=await login("t0001"),
                              json={"value": 3, "evidence": "x"})).status_code == 403
        await advance_to(ts_env, _at(round_a["review_until"]) - timedelta(days=5) + timedelta(hours=1))
        await reaches(session_factory, f"evaluation:{round_a['id']}:reminder:0:2", {contact_2})
        assert await recipients(session_factory, f"evaluation:{round_a['id']}:reminder:0:1") is None  # all done
        await advance_to(ts_env, _at(round_a["review_until"]) + timedelta(hours=1))
        await reaches(session_factory, f"evaluation:{round_a['id']}:escalated", {staff_id})

        async def scoring():
            return (await api.get(url_a, headers=staff)).json()["stage"] == "scoring"
        await eventually(scoring)

        # Overrides need a reason; publishing freezes the round.
        value = next(v for v in detail["values"] if v["indicator"] == "sessions_held" and v["school_id"] is None)
        answer = await api.post(f"{url_a}/values/{value['id']}/override", headers=staff, json={"score": 4})
        assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", "reason"]
        answer = await api.post(f"{url_a}/values/{value['id']}/override", headers=staff,
                                json={"score": 4, "reason": "第2周活动不足半天"})
        assert answer.status_code == 200
        assert next(v for v in answer.json()["values"] if v["id"] == value["id"])["score"] == 4
        answer = await api.post(f"{url_a}/publish", headers=staff)
        assert answer.status_code == 200, answer.text
        published = answer.json()
        assert await eventually_recipients(session_factory, f"evaluation:{round_a['id']}:published")

        # Later edits to the records change nothing in the published round.
        async with session_factory() as session:
            meeting = term_a.meetings[0]
            absent = next(u for u in term_a.participants if u not in meeting.attendees)
            session.add(SessionCheckin(session_id=meeting.id, user_id=absent, checked_in_at=meeting.starts_at))
            await session.commit()
            await flow.advance(session, round_id=round_a["id"], now=await ts_env.get_current_time(), tz=tz)
            await session.commit()
            assert (await session.get(EvaluationRound, round_a["id"])).stage == RoundStage.published
        after = (await api.get(url_a, headers=staff)).json()
        assert after["values"] == published["values"] and after["levels"] == published["levels"]
        assert (await api.put(f"{url_a}/values/{school_2_entry['id']}/entry", headers=staff,
                              json={"value": 1, "evidence": "补交"})).status_code == 409

        # Term B: both levels, and the change since term A.
        detail_b = (await api.get(url_b, headers=staff)).json()
        for value in detail_b["values"]:
            earlier = next(v for v in after["values"] if (v["indicator"], v["school_id"]) ==
                           (value["indicator"], value["school_id"]))
            assert value["previous"] == earlier["value"]
            if value["value"] is not None and earlier["value"] is not None:
                assert value["change"] == round(value["value"] - earlier["value"], 1)
        assert {level["school_id"] for level in detail_b["levels"]} == {None, 1, 2, 3, 4}

        for report_format, magic in (("pdf", b"%PDF"), ("xlsx", b"PK")):
            answer = await api.get(f"{url_a}/report", params={"format": report_format}, headers=staff)
            assert answer.status_code == 200 and answer.content.startswith(magic)
        html = (await api.get(f"{url_a}/report", headers=staff)).text
        assert f'href="#records-{value["id"]}"' in html or "records-" in html
    await _terminate(ts_env, session_factory)


async def reaches(session_factory, key: str, user_ids: set[int]) -> None:
    """The notice `key` lands in exactly these inboxes (the run sends it in real time after a jump)."""
    async def landed():
        return await recipients(session_factory, key) == user_ids
    await eventually(landed)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def _terminate(env, session_factory) -> None:
    async with session_factory() as session:
        ids = [row.workflow_id for row in await session.scalars(select(EvaluationRound))]
    for workflow_id in ids:
        try:
            await env.client.get_workflow_handle(workflow_id).terminate("test over")
        except Exception:  # noqa: BLE001 - already finished is fine
            pass
