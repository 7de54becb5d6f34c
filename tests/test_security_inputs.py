"""Hostile input, written as the attack: oversized bodies, a zip bomb of a roster, numbers past
64 bits, unbounded paging and terms, `null` where a value is required. Each is refused with a
4xx naming what was wrong, and the API keeps answering; never a 5xx.

The cases schemathesis found (tests/test_api_fuzz.py) are at the end, with their exact input."""

import asyncio
import io
import re
import zipfile
from datetime import date

import pytest

from services.directory.sheets import MAX_ROWS, SHOWN_ERRORS
from tests.conftest import DEMO_PASSWORD, console_login
from tests.test_teachers_import import HEADER, csv_bytes, upload, xlsx_bytes

BIG = 2**63  # one past the largest 64-bit id


def workbook_with_sheet(rows_xml: bytes, rows: int) -> bytes:
    """A real workbook whose sheet is `rows` copies of one row, written straight into the zip:
    tens of MB of XML compress to a few hundred KB."""
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes([]))) as sound:
        parts = {name: sound.read(name) for name in sound.namelist()}
    header = b"".join(b'<c t="inlineStr"><is><t>%s</t></is></c>' % title.encode() for title in HEADER)
    parts["xl/worksheets/sheet1.xml"] = b"".join([
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>',
        b"<row>", header, b"</row>", rows_xml * rows, b"</sheetData></worksheet>",
    ])
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as bomb:
        for name, content in parts.items():
            bomb.writestr(name, content)
    return packed.getvalue()


TEACHER_ROW = b"<row>%s</row>" % b"".join(b'<c t="inlineStr"><is><t>%s</t></is></c>' % cell.encode()
                                          for cell in ["s1", "欧阳娜", "实验小学", "语文", "小学", "13800001001", ""])


async def test_an_xlsx_bomb_is_refused_while_the_api_keeps_answering(api, login):
    staff = await login("staff01")
    bomb = workbook_with_sheet(TEACHER_ROW, rows=48 * 2**20 // len(TEACHER_ROW))  # 48 MB of XML
    assert len(bomb) < 1024 * 1024

    async def health_meanwhile() -> list[int]:
        statuses = []
        for _ in range(5):
            await asyncio.sleep(0)
            statuses.append((await api.get("/api/v1/health")).status_code)
        return statuses

    refused, health = await asyncio.gather(upload(api, staff, bomb, "roster.xlsx"), health_meanwhile())
    assert refused.status_code == 422
    assert "解压后超过" in refused.json()["errors"][0]["reason"]
    assert health == [200] * 5


async def test_a_sheet_of_too_many_rows_is_refused_while_reading(api, login):
    sheet = workbook_with_sheet(TEACHER_ROW, rows=MAX_ROWS + 1)
    refused = await upload(api, await login("staff01"), sheet, "roster.xlsx")
    assert refused.status_code == 422 and f"{MAX_ROWS}" in refused.json()["errors"][0]["reason"]


@pytest.mark.parametrize("content, filename", [
    (b"PK\x03\x04 not a zip at all", "roster.xlsx"),
    (b"\xff\xfe\x00\x00" * 100, "roster.csv"),  # neither UTF-8 nor GBK
    (b"\xe5\xb7\xa5\xe5\x8f\xb7," + b"x" * 200_000, "roster.csv"),  # a field past the csv module's limit
])
async def test_an_unreadable_file_is_a_422(api, login, content, filename):
    refused = await upload(api, await login("staff01"), content, filename)
    assert refused.status_code == 422 and refused.json()["errors"][0]["row"] == 0


async def test_a_thousand_bad_rows_answer_the_first_200_and_a_count(api, login):
    rows = [[f"s{n}", "", "不存在小学", "语文", "小学", "13800001001", ""] for n in range(1000)]  # 2 errors each
    refused = await upload(api, await login("staff01"), csv_bytes(rows), "roster.csv")
    assert refused.status_code == 422
    assert len(refused.json()["errors"]) == SHOWN_ERRORS and refused.json()["more_errors"] == 2000 - SHOWN_ERRORS


async def test_a_long_name_in_a_roster_is_named_not_stored(api, login):
    rows = [["s1", "名" * 101, "实验小学", "语文", "小学", "13800001001", ""]]
    refused = await upload(api, await login("staff01"), csv_bytes(rows), "roster.csv")
    assert refused.status_code == 422 and refused.json()["errors"][0]["column"] == "姓名"


# ---- the size of a body, before it is read ----


async def test_a_2_mb_json_body_is_413_before_the_login_check(api):
    body = b'{"title": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    declared = await api.post("/api/v1/campaigns", content=body, headers={"Content-Type": "application/json"})
    assert declared.status_code == 413  # not 401: nothing ran before the size was checked

    async def streamed():  # no Content-Length: counted as it arrives
        for start in range(0, len(body), 64 * 1024):
            yield body[start:start + 64 * 1024]

    counted = await api.post("/api/v1/campaigns", content=streamed(), headers={"Content-Type": "application/json"})
    assert counted.status_code == 413


async def test_a_20_mb_import_is_413_and_a_2_mb_one_is_read(api, login):
    staff = await login("staff01")
    assert (await upload(api, staff, b"x" * (20 * 1024 * 1024), "roster.csv")).status_code == 413
    assert (await upload(api, staff, b"x" * (2 * 1024 * 1024), "roster.csv")).status_code == 422  # not a roster


# ---- numbers: ids, paging, terms ----


@pytest.mark.parametrize("bad_id", [BIG, 0, -1])
@pytest.mark.parametrize("method, path", [
    ("GET", "/api/v1/teachers/{}"),
    ("GET", "/api/v1/campaigns/{}"),
    ("GET", "/api/v1/clusters/{}"),
    ("POST", "/api/v1/me/notifications/{}/read"),
    ("POST", "/api/v1/sessions/{}/checkin"),
    ("GET", "/api/v1/teachers?cluster_id={}"),
])
async def test_an_id_outside_1_to_2_63_is_a_422(api, login, method, path, bad_id):
    answer = await api.request(method, path.format(bad_id), headers=await login("staff01"))
    assert answer.status_code == 422, answer.text


async def test_the_largest_id_is_merely_not_found(api, login):
    assert (await api.get(f"/api/v1/teachers/{BIG - 1}", headers=await login("staff01"))).status_code == 404


@pytest.mark.parametrize("body", [
    {"school_group_id": BIG, "name": "片"},  # an id in a body
    {"school_group_id": 1, "name": "片", "organiser_user_id": -1},
])
async def test_ids_in_bodies_are_bounded_too(api, login, body):
    answer = await api.post("/api/v1/clusters", json=body, headers=await login("admin"))
    assert answer.status_code == 422


@pytest.mark.parametrize("offset, status", [(10**20, 422), (100_001, 422), (100_000, 200)])
async def test_offset_is_capped(api, login, offset, status):
    answer = await api.get("/api/v1/teachers", params={"offset": offset}, headers=await login("staff01"))
    assert answer.status_code == status


@pytest.mark.parametrize("term_end", [date(2226, 9, 1), date(2027, 9, 3)])  # 200 years; 367 days
async def test_a_series_longer_than_a_school_year_is_a_422_naming_term_end(api, login, term_end):
    body = {"title": "两百年", "weekday": 3, "start_time": "14:00", "end_time": "17:00",
            "term_start": "2026-09-01", "term_end": term_end.isoformat()}
    answer = await api.post("/api/v1/clusters/1/series", json=body, headers=await login("staff01"))
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", "term_end"]


@pytest.mark.parametrize("path, body, field", [
    ("/api/v1/campaigns/1/phase/extend", {"until": "9999-12-31T23:59:59Z"}, "until"),  # + grace: overflow
    ("/api/v1/sessions/1/reschedule", {"starts_at": "9999-12-31T20:00:00", "ends_at": "9999-12-31T23:00:00"},
     "starts_at"),
    ("/api/v1/campaigns", {"title": "无尽", "cluster_ids": [1], "schedule": {"train": "P999999999D"}}, "schedule"),
])
async def test_dates_and_durations_past_any_plan_are_a_422(api, login, path, body, field):
    answer = await api.post(path, json=body, headers=await login("staff01"))
    assert answer.status_code == 422 and field in answer.json()["detail"][0]["loc"]


# ---- null where a value is required ----


@pytest.mark.parametrize("path, field", [
    ("/api/v1/clusters/1", "name"),
    ("/api/v1/schools/1", "cluster_id"),
    ("/api/v1/teachers/1", "school_id"),
    ("/api/v1/teachers/1", "active"),
    ("/api/v1/districts/1", "name"),
])
async def test_patch_with_null_for_a_required_field_is_a_422(api, login, path, field):
    answer = await api.patch(path, json={field: None}, headers=await login("admin"))
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", field]


async def test_patch_with_null_clears_what_may_be_empty(api, login):
    answer = await api.patch("/api/v1/clusters/1", json={"organiser_user_id": None}, headers=await login("admin"))
    assert answer.status_code == 200 and answer.json()["organiser_user_id"] is None


async def test_an_unknown_run_status_is_a_422(api, login):
    answer = await api.get("/api/v1/runs", params={"status": "Sleeping"}, headers=await login("admin"))
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["query", "status"]


@pytest.mark.parametrize("topic", [
    {"title": "专题", "problem_ids": [2**64], "lead_user_id": 1},
    {"title": "专题", "problem_ids": [], "lead_user_id": BIG},
    {"title": "专题", "problem_ids": list(range(1, 1002)), "lead_user_id": 1},
])
async def test_malformed_topics_are_a_422(api, login, topic):
    answer = await api.post("/api/v1/campaigns/1/topics", json={"topics": [topic]}, headers=await login("staff01"))
    assert answer.status_code == 422


async def test_a_duplicate_name_or_code_is_a_409_naming_it(api, login):
    admin = await login("admin")
    district = {"code": "0", "name": "0"}  # as schemathesis sent it, twice
    assert (await api.post("/api/v1/districts", json=district, headers=admin)).status_code == 201
    again = await api.post("/api/v1/districts", json=district, headers=admin)
    assert again.status_code == 409 and again.json()["fields"] == ["code"]
    first, second = (await api.get("/api/v1/schools", params={"cluster_id": 1}, headers=admin)).json()["items"][:2]
    duplicate = await api.post("/api/v1/schools", json={"cluster_id": 1, "name": first["name"]}, headers=admin)
    assert duplicate.status_code == 409 and duplicate.json()["fields"] == ["cluster_id", "name"]
    renamed = await api.patch(f"/api/v1/schools/{second['id']}", json={"name": first["name"]}, headers=admin)
    assert renamed.status_code == 409
    unchanged = await api.patch(f"/api/v1/schools/{first['id']}", json={"name": first["name"]}, headers=admin)
    assert unchanged.status_code == 200  # its own name is no clash


async def test_a_duplicate_that_races_past_the_check_is_a_409_and_writes_nothing(api, login, monkeypatch):
    """Two requests create the same district at once; both pass the uniqueness check before either
    commits (as on PostgreSQL). The database's constraint refuses the second: 409, not a 500."""
    from services.directory import service as directory

    async def raced(*_, **__) -> None:
        return None  # the other request has not committed yet

    admin = await login("admin")
    assert (await api.post("/api/v1/districts", json={"code": "race", "name": "甲"}, headers=admin)).status_code == 201
    monkeypatch.setattr(directory, "ensure_unique", raced)
    second = await api.post("/api/v1/districts", json={"code": "race", "name": "乙"}, headers=admin)
    assert second.status_code == 409, second.text
    names = [d["name"] for d in (await api.get("/api/v1/districts", headers=admin)).json()["items"] if d["code"] == "race"]
    assert names == ["甲"]


# ---- what schemathesis found (tests/test_api_fuzz.py), as it sent it ----


@pytest.mark.parametrize("method, path, body", [
    ("GET", "/api/v1/teachers?offset=16673554595648894976", None),
    ("GET", "/api/v1/campaigns/326581658986130666684416/report", None),
    ("PUT", "/api/v1/campaigns/100/topics/28301244652102664192/summary", {"worked": "宦n", "did_not_work": "\x03"}),
    ("POST", "/api/v1/clusters", {"school_group_id": 6621743300115679160087676452864, "name": "M\x95Ã",
                                  "organiser_user_id": -1750967068}),
    ("POST", "/api/v1/school-groups", {"name": "Ý©", "district_id": -3697134119363865241238517055488,
                                       "grade_band": "高中"}),
    ("GET", "/api/v1/users?offset=2249859430041075580928", None),
    ("GET", "/api/v1/me/notifications?limit=68&offset=146680997326695219200&unread=true", None),
    ("GET", "/api/v1/runs?limit=132&subject=%C2%A1M%C3%94%C2%82%00%C3%9F&started_before=0309-04-19T04%3A04%3A16.25Z",
     None),
    ("PATCH", "/api/v1/teachers/1", {"email": "0@0.0.com", "grade_band": None}),
    ("PATCH", "/api/v1/schools/1", {"address": "õ", "cluster_id": None, "name": None, "contact_user_id": 292700}),
    ("POST", "/api/v1/schools", {"name": "training_new.html", "contact_user_id": 165467,
                                 "cluster_id": -344587364516052793953353728}),
    ("POST", "/api/v1/channels", {"name": "çFn", "enabled": True, "kind": "wecom",
                                  "school_id": -163550560444227299303227392, "url": "https://6s3pmsgb.com"}),
    ("POST", "/api/v1/me/calendar-token", {"scope": "cluster", "cluster_id": -344587364516052793953353728}),
    ("POST", "/api/v1/teachers", {"email": "t51@r9cjjin3.org", "name": "\x03", "grade_band": "小学", "staff_no": "9w",
                                  "subjects": ["\x951"], "school_id": -620235342485580808192, "phone": "14167079825"}),
    ("POST", "/api/v1/campaigns", {"title": "ȷ", "vote_budget": 40.0, "school_ids": [],
                                   "cluster_ids": [263, -4619779331466889562199857037312, -17705249, 219]}),
    ("POST", "/api/v1/campaigns/10693/stages/326581658986130666684416/done", None),
    ("POST", "/api/v1/clusters/1/series", {"title": "\x89ÇÁy", "campaign_id": -40509, "weekday": 5,
                                           "start_time": "00:35:26Z", "end_time": "23:06:30Z",
                                           "term_start": "2990-02-18", "term_end": "7820-06-22"}),
    ("PUT", "/api/v1/campaigns/1/topics/2656624769/plan", {"goal": "目标", "stages": [
        {"assignee_user_ids": [3828005841658716277196557735180632064], "title": "º¶",
         "due_at": "3973-05-20T10:12:21.086439+19:05", "kind": "discussion_notes"}]}),
])
async def test_what_the_fuzzer_found_is_a_422(api, login, method, path, body):
    answer = await api.request(method, path, json=body, headers=await login("staff01"))
    assert answer.status_code == 422, answer.text


async def test_the_console_refuses_the_same_numbers(api):
    await console_login(api, "staff01", DEMO_PASSWORD)
    assert (await api.get(f"/console/campaigns/{BIG}")).status_code == 422
    form = await api.get("/console/campaigns/new")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', form.text).group(1)
    launch = await api.post("/console/campaigns/new", data={
        "csrf": csrf, "title": "无尽", "cluster_ids": "1", "length": "99999999999", "unit": "days"})
    assert launch.status_code == 422 and "阶段时长" in launch.text  # was an overflow: 500
