"""The pairs' Excel import (师徒结对名单): all or nothing with every bad row named, and the same
sheet twice changes nothing (no pair, no run started twice)."""

import io
from datetime import date

from openpyxl import Workbook
from sqlalchemy import func, select

from models import MentoringPair
from tests.mentoring_support import api, next_school_year, stop_pair_runs  # noqa: F401

HEADER = ["师傅工号", "徒弟工号", "学科", "开始日期", "结束日期", "培养任务和目标"]


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in [HEADER, *rows]:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def pair_count(session_factory) -> int:
    async with session_factory() as session:
        return await session.scalar(select(func.count()).select_from(MentoringPair))


async def test_importing_the_same_sheet_twice_changes_nothing_and_a_bad_row_writes_nothing(
        api, login, ts_env, worker_on, session_factory):
    staff = await login("staff01")
    year = next_school_year(await ts_env.get_current_time())
    programme = await api.post("/api/v1/mentoring/programmes", headers=staff,
                               json={"cluster_id": 1, "school_year": f"{year}-{year + 1}"})
    url = f"/api/v1/mentoring/programmes/{programme.json()['id']}/pairs/import"
    good = [["t0001", "t0002", "语文", date(year, 9, 1), date(year + 1, 7, 5), "站稳讲台"],  # Excel dates
            ["t0006", "t0009", "数学", f"{year}/9/1", "", "上好一节公开课"],
            ["t0011", "t0012", "英语", "", "", ""]]
    async with worker_on(ts_env.client):
        bad = await api.post(url, headers=staff, files={"file": ("pairs.xlsx", xlsx([
            *good,
            ["t0016", "t0016", "科学", "", "", ""],  # row 5: the same teacher twice
            ["t0021", "t0017", "", "", "", ""],  # row 6: mentor outside the alliance, no subject
            ["t0018", "t0002", "语文", "明天", "", ""],  # row 7: mentee twice, bad date
        ]))})
        assert bad.status_code == 422
        assert {(e["row"], e["column"]) for e in bad.json()["errors"]} == {
            (5, ""), (6, "师傅工号"), (6, "学科"), (7, "徒弟工号"), (7, "开始日期")}
        assert await pair_count(session_factory) == 0

        first = await api.post(url, headers=staff, files={"file": ("pairs.xlsx", xlsx(good))})
        assert first.status_code == 200, first.text
        assert first.json() == {"created": 3, "updated": 0, "unchanged": 0}
        again = await api.post(url, headers=staff, files={"file": ("pairs.xlsx", xlsx(good))})
        assert again.json() == {"created": 0, "updated": 0, "unchanged": 3}
        assert await pair_count(session_factory) == 3

        # Goals may change by sheet; a new mentor may not (it is a staff decision the run must hear of).
        good[2][5] = "独立设计单元作业"
        assert (await api.post(url, headers=staff, files={"file": ("pairs.xlsx", xlsx(good))})).json()["updated"] == 1
        good[0][0] = "t0003"
        refused = await api.post(url, headers=staff, files={"file": ("pairs.xlsx", xlsx(good))})
        assert refused.status_code == 422 and [e["row"] for e in refused.json()["errors"]] == [2]
        teacher = await login("t0002")
        assert (await api.post(url, headers=teacher, files={"file": ("pairs.xlsx", xlsx(good))})).status_code == 403
