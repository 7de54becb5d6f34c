async def test_token_and_me_for_each_role(api, login):
    for username, role in [("admin", "admin"), ("staff01", "staff"), ("t0001", "teacher")]:
        me = (await api.get("/api/v1/me", headers=await login(username))).json()
        assert me["role"] == role
        assert (me["teacher_id"] is not None) == (role == "teacher")


async def test_wrong_password_is_401(api):
    response = await api.post("/api/v1/auth/token", data={"username": "staff01", "password": "nope"})
    assert response.status_code == 401
    assert "detail" in response.json()


async def test_no_token_is_401_with_json_detail(api):
    response = await api.get("/api/v1/teachers")
    assert response.status_code == 401
    assert response.json()["detail"]
    assert response.headers["www-authenticate"] == "Bearer"


async def test_teacher_gets_403_naming_the_role_needed(api, login):
    response = await api.get("/api/v1/teachers", headers=await login("t0001"))
    assert response.status_code == 403
    assert "staff" in response.json()["detail"]


async def test_staff_cannot_create_logins(api, login):
    body = {"username": "staff09", "password": "long-enough", "display_name": "新教研员"}
    response = await api.post("/api/v1/users", json=body, headers=await login("staff01"))
    assert response.status_code == 403
    assert "admin" in response.json()["detail"]


async def test_admin_creates_staff_who_can_log_in(api, login):
    body = {"username": "staff09", "password": "long-enough", "display_name": "新教研员", "subjects": ["英语"]}
    created = await api.post("/api/v1/users", json=body, headers=await login("admin"))
    assert created.status_code == 201, created.text
    me = (await api.get("/api/v1/me", headers=await login("staff09", "long-enough"))).json()
    assert me["role"] == "staff" and me["subjects"] == ["英语"]


async def test_password_change(api, login):
    headers = await login("t0002")
    wrong = await api.post("/api/v1/me/password", json={"current_password": "x", "new_password": "new-secret-1"},
                           headers=headers)
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["loc"] == ["body", "current_password"]
    ok = await api.post("/api/v1/me/password", json={"current_password": "demo-pass", "new_password": "new-secret-1"},
                        headers=headers)
    assert ok.status_code == 204
    relogin = await api.post("/api/v1/auth/token", data={"username": "t0002", "password": "new-secret-1"})
    assert relogin.status_code == 200


def test_every_endpoint_states_who_may_call_it():
    """The OpenAPI description of every operation starts by saying who may call it."""
    from webapp import create_app

    role_words = ("Anyone", "Everyone", "No auth", "No login", "Any logged-in", "Admin", "Staff", "Teacher",
                  "Reads:", "Participant", "The ", "Organiser", "Whoever", "Its author", "A school's teacher",
                  "Each of the", "Those who")
    silent = [
        f"{method.upper()} {path}"
        for path, operations in create_app().openapi()["paths"].items()
        for method, operation in operations.items()
        if not operation.get("description", "").startswith(role_words)
    ]
    assert silent == []
