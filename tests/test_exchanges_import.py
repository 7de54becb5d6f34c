"""Excel import of exchanges (交流轮岗安排表): all or nothing, every bad row named, the same file
twice changes nothing; the new exchanges' runs start."""

import io
from datetime import date, timedelta

from openpyxl import Workbook
from sqlalchemy import func, select

from models import Exchange
from tests.series_support import api  # noqa: F401

HEADER = ["工号", "交流学校", "交流类型", "计划开始", "计划结束", "每周驻校日", "工作职责", "选拔标准", "考核评价机制"]


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _rows(start: date) -> list[list[object]]:
    end = start + timedelta(days=14)
    return [HEADER,
            ["t0002", "东城小学", "短期交流", start, end, "", "上研讨课两节", "中级职称", "三方面考核"],
            ["t0007", "实验小学", "跟岗", start.isoformat(), end.isoformat(), "", "跟岗学习", "", ""],
            ["t0001", "石桥小学", "兼职副校长", start.strftime("%Y/%m/%d"), (start + timedelta(days=300)).isoformat(),
             "周三", "分管教学", "", ""]]


async def _count(session_factory) -> int:
    async with session_factory() as session:
        return await session.scalar(select(func.count()).select_from(Exchange))


async def test_importing_the_same_file_twice_changes_nothing(api, login, ts_env, session_factory, worker_on):
    staff = await login("staff01")
    start = (await ts_env.get_current_time()).date() + timedelta(days=60)
    sheet = xlsx_bytes(_rows(start))
    async with worker_on(ts_env.client):
        first = await api.post("/api/v1/exchanges/import", headers=staff, files={"file": ("交流.xlsx", sheet)})
        assert first.status_code == 200, first.text
        assert first.json() == {"created": 3, "updated": 0, "unchanged": 0}
        before = (await api.get("/api/v1/exchanges", headers=staff)).json()
        again = await api.post("/api/v1/exchanges/import", headers=staff, files={"file": ("交流.xlsx", sheet)})
        assert again.json() == {"created": 0, "updated": 0, "unchanged": 3}
        assert (await api.get("/api/v1/exchanges", headers=staff)).json() == before
        assert [e["weekday"] for e in before if e["kind"] == "兼职副校长"] == [3]
        described = await ts_env.client.get_workflow_handle("exchange-3").describe()
        assert described.status.name == "RUNNING"


async def test_a_bad_row_answers_422_with_every_bad_row_and_imports_nothing(api, login, session_factory):
    start = date(2027, 3, 1)
    rows = [*_rows(start),
            ["t9999", "东城小学", "短期交流", start, start + timedelta(days=7), "", "", "", ""],
            ["t0003", "不存在的学校", "游学", "明天", start, "", "", "", ""],
            ["t0004", "实验小学", "短期交流", start, start + timedelta(days=7), "", "", "", ""],
            ["t0006", "实验小学", "短期交流", start, start, "", "", "", ""],
            ["t0005", "东城小学", "兼职副校长", start, start + timedelta(days=7), "", "", "", ""]]
    answer = await api.post("/api/v1/exchanges/import", headers=await login("staff01"),
                            files={"file": ("交流.xlsx", xlsx_bytes(rows))})
    assert answer.status_code == 422, answer.text
    errors = {(e["row"], e["column"]) for e in answer.json()["errors"]}
    assert errors == {(5, "工号"), (6, "交流学校"), (6, "交流类型"), (6, "计划开始"), (7, "交流学校"), (8, "计划结束"), (9, "每周驻校日")}
    assert await _count(session_factory) == 0


async def test_the_roster_carries_each_school_locality(api, login):
    staff = await login("staff01")
    header = "工号,姓名,学校,学科,学段,手机,城乡"

    def roster(*rows: str) -> bytes:
        return "\r\n".join([header, *rows]).encode()

    differing = roster("s2001,甲老师,东城小学,语文,小学,13800002001,乡镇", "s2002,乙老师,东城小学,数学,小学,13800002002,城区",
                       "s2003,丙老师,西城小学,数学,小学,13800002003,郊区")
    refused = await api.post("/api/v1/teachers/import", headers=staff, files={"file": ("r.csv", differing)})
    assert refused.status_code == 422
    assert {(e["row"], e["column"]) for e in refused.json()["errors"]} == {(3, "城乡"), (4, "城乡")}
    agreed = roster("s2001,甲老师,东城小学,语文,小学,13800002001,农村", "s2002,乙老师,东城小学,数学,小学,13800002002,")
    assert (await api.post("/api/v1/teachers/import", headers=staff, files={"file": ("r.csv", agreed)})).status_code == 200
    school = (await api.get("/api/v1/schools/2", headers=staff)).json()
    assert (school["name"], school["locality"]) == ("东城小学", "农村")
    moved = await api.patch("/api/v1/schools/2", headers=staff, json={"locality": "乡镇"})
    assert moved.status_code == 200 and moved.json()["locality"] == "乡镇"
    assert (await api.patch("/api/v1/schools/2", headers=staff, json={"locality": "郊区"})).status_code == 422
