from sqlalchemy import select

from models import AuditEntry


async def test_every_write_is_audited_with_who_what_and_subject(api, login, session_factory):
    admin, staff = await login("admin"), await login("staff01")
    created = await api.post("/api/v1/users", json={"username": "staff09", "password": "secret-pass",
                                                    "display_name": "新教研员"}, headers=admin)
    cluster_id = (await api.get("/api/v1/clusters", headers=staff)).json()["items"][0]["id"]
    await api.patch(f"/api/v1/clusters/{cluster_id}", json={"name": "城区小学一片"}, headers=staff)
    await api.post("/api/v1/districts", json={"name": "x", "code": "x"}, headers=staff)  # 403: not recorded

    async with session_factory() as session:
        entries = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
    assert [(e.actor_name, e.method, e.route, e.status_code) for e in entries] == [
        ("管理员", "POST", "/api/v1/users", 201),
        ("周教研", "PATCH", "/api/v1/clusters/{item_id}", 200),
    ]
    assert entries[0].payload["body"]["password"] == "***" and entries[0].payload["body"]["username"] == "staff09"
    assert (entries[1].subject_type, entries[1].subject_id) == ("clusters", str(cluster_id))
    assert created.status_code == 201


async def test_audit_log_api_is_admin_only(api, login):
    await api.post("/api/v1/districts", json={"name": "新区", "code": "n1"}, headers=await login("admin"))
    page = (await api.get("/api/v1/audit", params={"actor_role": "admin"}, headers=await login("admin"))).json()
    assert page["total"] == 1 and page["items"][0]["route"] == "/api/v1/districts"
    assert (await api.get("/api/v1/audit", headers=await login("staff01"))).status_code == 403


async def test_each_row_says_what_was_done_in_the_words_its_route_declares(api, login):
    admin = await login("admin")
    await api.post("/api/v1/districts", json={"name": "新区", "code": "n2"}, headers=admin)
    await api.patch("/api/v1/clusters/1", json={"name": "城区小学一片"}, headers=admin)
    page = (await api.get("/api/v1/audit", headers=admin)).json()
    assert [entry["action"] for entry in page["items"]] == ["修改片区", "新建区县"]  # newest first
