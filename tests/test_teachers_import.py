import io

from openpyxl import Workbook

HEADER = ["工号", "姓名", "学校", "学科", "学段", "手机", "邮箱"]
GOOD_ROWS = [
    ["s1001", "欧阳娜", "实验小学", "语文、数学", "小学", "13800001001", "oyn@school.cn"],
    ["s1002", "司马光", "第一中学", "历史", "初中", "13800001002", ""],
    ["t0005", "改名了", "东城小学", "英语", "小学", "13900000005", ""],  # an existing demo teacher: updated
]


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    return "\r\n".join(",".join(row) for row in [HEADER, *rows]).encode(encoding)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in [HEADER, *rows]:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def upload(api, headers, content: bytes, filename: str):
    return await api.post("/api/v1/teachers/import", files={"file": (filename, content)}, headers=headers)


async def directory_snapshot(api, headers) -> list[dict]:
    teachers = (await api.get("/api/v1/teachers", params={"limit": 200}, headers=headers)).json()["items"]
    return [{k: v for k, v in t.items()} for t in teachers]


async def test_one_bad_row_writes_nothing_and_names_every_bad_row(api, login):
    staff = await login("staff01")
    before = await directory_snapshot(api, staff)
    rows = [
        *GOOD_ROWS,
        ["s1003", "", "实验小学", "语文", "小学", "13800001003", ""],  # row 5: missing name
        ["s1004", "赵六", "不存在小学", "语文", "小学", "1380000", "bad-mail"],  # row 6: school, phone, e-mail
        ["s1001", "重复", "实验小学", "语文", "大学", "13800001005", ""],  # row 7: duplicate, grade band
    ]
    response = await upload(api, staff, csv_bytes(rows), "roster.csv")
    assert response.status_code == 422
    errors = {(e["row"], e["column"]) for e in response.json()["errors"]}
    assert errors == {(5, "姓名"), (6, "学校"), (6, "手机"), (6, "邮箱"), (7, "工号"), (7, "学段")}
    duplicate = next(e for e in response.json()["errors"] if e["column"] == "工号")
    assert "第 2 行" in duplicate["reason"]
    assert await directory_snapshot(api, staff) == before


async def test_reimporting_the_same_file_changes_nothing(api, login):
    staff = await login("staff01")
    first = await upload(api, staff, csv_bytes(GOOD_ROWS), "roster.csv")
    assert first.status_code == 200, first.text
    assert first.json() == {"created": 2, "updated": 1, "unchanged": 0, "logins_created": 2, "deactivated": []}
    after_first = await directory_snapshot(api, staff)

    second = await upload(api, staff, csv_bytes(GOOD_ROWS), "roster.csv")
    assert second.json() == {"created": 0, "updated": 0, "unchanged": 3, "logins_created": 0, "deactivated": []}
    assert await directory_snapshot(api, staff) == after_first
    imported = next(t for t in after_first if t["staff_no"] == "s1001")
    assert imported["subjects"] == ["语文", "数学"] and imported["user_id"] is not None


async def test_gbk_csv_as_chinese_excel_writes_it(api, login):
    response = await upload(api, await login("staff01"), csv_bytes(GOOD_ROWS, "gbk"), "名册.csv")
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 2


async def test_xlsx_with_numeric_phone_cells(api, login):
    staff = await login("staff01")
    rows = [[*row[:5], int(row[5]), row[6]] for row in GOOD_ROWS]  # Excel keeps phone numbers as numbers
    response = await upload(api, staff, xlsx_bytes(rows), "roster.xlsx")
    assert response.status_code == 200, response.text
    teachers = (await api.get("/api/v1/teachers", params={"q": "s1002"}, headers=staff)).json()["items"]
    assert teachers[0]["phone"] == "13800001002" and teachers[0]["name"] == "司马光"


async def test_english_headers_and_missing_columns(api, login):
    staff = await login("staff01")
    english = "staff_no,name,school,subject,grade_band,mobile\ns2001,Li Lei,实验小学,英语,小学,13800002001\n"
    assert (await upload(api, staff, english.encode(), "r.csv")).json()["created"] == 1

    missing = await upload(api, staff, "工号,姓名\nx1,张三\n".encode(), "r.csv")
    assert missing.status_code == 422
    assert {e["column"] for e in missing.json()["errors"]} == {"学校", "学科", "学段", "手机"}


async def test_imported_teacher_waits_for_an_activation_code(api, login):
    """Nothing in the roster opens the login (tests/test_security_accounts.py: the 开通单)."""
    staff = await login("staff01")
    await upload(api, staff, csv_bytes(GOOD_ROWS), "roster.csv")
    token = await api.post("/api/v1/auth/token", data={"username": "s1001", "password": "001001"})
    assert token.status_code == 401


async def test_teachers_cannot_import(api, login):
    response = await upload(api, await login("t0001"), csv_bytes(GOOD_ROWS), "roster.csv")
    assert response.status_code == 403
