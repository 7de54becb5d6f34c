"""The shared library through the API: files checked by their bytes and served so that none renders
as a page; who sees what (school, alliance, county); withdrawing; borrowings that count only
others' and schools other than the resource's own; staff's figures per school."""

from tests.library_support import POLYGLOT, docx, publish, upload

PLAN = docx("《草船借箭》第二课时教案", "教学目标：理解诸葛亮的神机妙算，体会人物形象。", "教学过程：导入、初读、精读、拓展。")


async def test_a_page_named_like_a_lesson_plan_is_refused_naming_what_its_bytes_are(api, login):
    t = await login("t0002")
    for content, found in [(b"<!DOCTYPE html><html><script>alert(1)</script></html>", "text/html"),
                           (b"<script>fetch('/api/v1/me')</script>", "text/html"),
                           (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "image/svg+xml"),
                           (b"#!/bin/sh\nrm -rf /\n", "text/x-shellscript")]:
        answer = await upload(api, t, content, filename="教案.pdf")
        assert answer.status_code == 422, answer.text
        [error] = answer.json()["detail"]
        assert error["loc"] == ["body", "file"] and found in error["msg"]
    empty = await upload(api, t, b"", filename="\x92^\x17")
    assert empty.status_code == 422 and "empty" in empty.json()["detail"][0]["msg"]


async def test_an_upload_past_its_kinds_limit_is_refused_as_it_streams(api, login, settings):
    settings.library_max_bytes = {**settings.library_max_bytes, "reflection": 1024}
    answer = await upload(api, await login("t0002"), PLAN + b"\0" * 2048, kind="reflection")
    assert answer.status_code == 413 and answer.json()["limit"] == 1024


async def test_a_file_is_served_as_a_sandboxed_download_named_safely(api, login):
    t = await login("t0002")
    resource = await publish(api, t, PLAN, title="草船借箭")
    answer = await api.get(f"/api/v1/library/resources/{resource['id']}/file", headers=t)
    assert answer.status_code == 200 and answer.content == PLAN
    assert answer.headers["content-type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert answer.headers["content-disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%E6%95%99%E6%A1%88.docx" in answer.headers["content-disposition"]
    assert answer.headers["content-security-policy"].startswith("sandbox")
    assert answer.headers["x-content-type-options"] == "nosniff"
    # A Word file is never inline, whatever is asked; a picture may be, still sandboxed.
    inline = await api.get(f"/api/v1/library/resources/{resource['id']}/file?inline=true", headers=t)
    assert inline.headers["content-disposition"].startswith("attachment;")
    picture = await publish(api, t, POLYGLOT, kind="courseware", title="板书")
    shown = await api.get(f"/api/v1/library/resources/{picture['id']}/file?inline=true", headers=t)
    assert shown.headers["content-type"] == "image/gif" and shown.headers["content-disposition"].startswith("inline;")
    assert shown.headers["content-security-policy"].startswith("sandbox")


async def test_who_sees_a_resource_follows_its_visibility_and_withdrawing_hides_it(api, login):
    author, same_alliance, other_alliance, staff = [await login(u) for u in ("t0002", "t0007", "t0021", "staff02")]
    alliance_only = await publish(api, author, PLAN, title="片区内教案", visibility="alliance")
    school_only = await publish(api, author, docx("本校校本作业设计"), title="本校作业", visibility="school")
    path = f"/api/v1/library/resources/{alliance_only['id']}"

    async def listed(headers) -> set[int]:
        return {item["id"] for item in (await api.get("/api/v1/library/resources", headers=headers)).json()["items"]}

    assert await listed(same_alliance) == {alliance_only["id"]}
    assert await listed(other_alliance) == set()
    assert await listed(staff) == {alliance_only["id"], school_only["id"]}
    searched = await api.get("/api/v1/library/resources", params={"q": "片区内教案"}, headers=other_alliance)
    assert searched.json()["items"] == []
    for url in (path, f"{path}/file", f"{path}/similar"):
        refused = await api.get(url, headers=other_alliance)
        assert refused.status_code == 403 and refused.json()["visibility"] == "alliance"
    assert (await api.get(path + "/file", headers=same_alliance)).status_code == 200

    withdrawn = await api.post(f"{path}/withdraw", headers=author)
    assert withdrawn.json()["status"] == "withdrawn"
    assert await listed(same_alliance) == set() and alliance_only["id"] not in await listed(staff)
    assert (await api.get(f"{path}/file", headers=same_alliance)).status_code == 404
    assert (await api.get(f"{path}/file", headers=author)).status_code == 404
    assert (await api.get(path, headers=author)).json()["status"] == "withdrawn"  # she still sees it is withdrawn


async def test_borrowings_by_other_schools_count_and_the_authors_own_do_not(api, login):
    author, colleague, other_school, other_alliance, staff = [
        await login(u) for u in ("t0002", "t0003", "t0007", "t0021", "staff01")]
    resource = await publish(api, author, PLAN, title="草船借箭")
    path = f"/api/v1/library/resources/{resource['id']}"
    for _ in range(3):
        await api.get(path, headers=author)  # her own views
    await api.get(path, headers=colleague)  # her school's: counts, but not as another school
    for headers in (other_school, other_school, other_alliance):  # the same teacher twice a day: once
        await api.get(path, headers=headers)
    await api.get(path + "/file", headers=other_alliance)
    await api.post(path + "/bookmark", headers=other_school)
    used = await api.post(path + "/uses", json={"note": "改成了小组合作版本"}, headers=other_alliance)
    assert used.status_code == 204
    detail = (await api.get(path, headers=staff)).json()
    assert detail["counts"] == {"views": 4, "downloads": 1, "bookmarks": 1, "uses": 1, "other_schools": 2}
    assert [(b["kind"], b["note"]) for b in detail["borrowings"]] == [("use", "改成了小组合作版本")]
    assert (await api.get(path, headers=other_school)).json()["mine"] == ["bookmark"]

    figures = (await api.get("/api/v1/library/figures", headers=staff)).json()
    by_school = {row["school_id"]: row for row in figures["schools"]}
    assert by_school[1]["uploads"] == 1 and by_school[1]["borrowings"] == 5  # 2 views, download, bookmark, use
    assert by_school[2]["borrowed_elsewhere"] == 2 and by_school[5]["borrowed_elsewhere"] == 3
    assert (await api.get("/api/v1/library/figures", headers=author)).status_code == 403
