"""Accounts and secrets, written as the attacks of issue 11: guessing a teacher's login from the
roster, brute-forcing passwords, keeping a session after logout or deactivation, minting tokens
with a known key."""

import asyncio
import io
import os
import re
import stat
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from config import Settings
from models import ActivationCode, Base, User
from scripts.run_stack import ensure_secret_key
from services.accounts.security import (
    SESSION_COOKIE, MissingSecretKey, create_access_token, hash_password, verify_password,
)
from tests.conftest import DEMO_PASSWORD, api_client, console_login, login_form_csrf
from tests.notification_receivers import smtp_server
from tests.test_teachers_import import GOOD_ROWS, csv_bytes, upload
from webapp import create_app

TOKEN = "/api/v1/auth/token"
NEW_PASSWORD = "my-own-secret-1"


async def token_of(api, username: str, password: str):
    return await api.post(TOKEN, data={"username": username, "password": password})


def bearer(response) -> dict[str, str]:
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def school_id(api, headers, name: str) -> int:
    return (await api.get("/api/v1/schools", params={"q": name}, headers=headers)).json()["items"][0]["id"]


async def activation_sheet(api, headers, name: str) -> dict[str, list[str]]:
    """The school's 开通单, downloaded: username → its row."""
    response = await api.post(f"/api/v1/schools/{await school_id(api, headers, name)}/activation-sheet",
                              headers=headers)
    assert response.status_code == 200, response.text
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("用户名", "姓名", "学校", "开通码", "有效期至")
    return {row[0]: list(row) for row in rows[1:]}


async def imported(api, login) -> dict[str, str]:
    """Imports s1001 (实验小学, with an e-mail address) and s1002; the staff's headers."""
    staff = await login("staff01")
    assert (await upload(api, staff, csv_bytes(GOOD_ROWS), "roster.csv")).status_code == 200
    return staff


# ---- no credential from directory data; activation codes ----


async def test_the_last_six_digits_of_a_mobile_never_log_in(api, login):
    staff = await imported(api, login)
    school = await school_id(api, staff, "实验小学")
    body = {"staff_no": "t9001", "name": "新老师", "school_id": school, "grade_band": "小学", "phone": "13912345678"}
    assert (await api.post("/api/v1/teachers", json=body, headers=staff)).status_code == 201
    for username, phone in [("s1001", GOOD_ROWS[0][5]), ("s1002", GOOD_ROWS[1][5]), ("t9001", "13912345678")]:
        for guess in (phone[-6:], phone):
            assert (await token_of(api, username, guess)).status_code == 401, (username, guess)


async def test_an_activation_code_sets_the_password_once(api, login):
    staff = await imported(api, login)
    code = (await activation_sheet(api, staff, "实验小学"))["s1001"][3]
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}", code)

    first = bearer(await token_of(api, "s1001", code.lower().replace("-", " ")))  # as typed off paper
    for method, path in [("GET", "/api/v1/campaigns"), ("GET", "/api/v1/me/notifications"),
                         ("POST", "/api/v1/me/calendar-token")]:
        refused = await api.request(method, path, headers=first, json={"scope": "me"})
        assert refused.status_code == 403, path
        assert refused.json()["reason"] == "must_change_password"
    assert (await api.get("/api/v1/me", headers=first)).json()["must_change_password"] is True

    changed = await api.post("/api/v1/me/password", json={"current_password": code, "new_password": NEW_PASSWORD},
                             headers=first)
    assert changed.status_code == 204
    assert (await api.get("/api/v1/me", headers=first)).status_code == 401  # a password change ends sessions
    assert (await token_of(api, "s1001", code)).status_code == 401  # spent
    mine = bearer(await token_of(api, "s1001", NEW_PASSWORD))
    assert (await api.get("/api/v1/me/tasks", headers=mine)).status_code == 200
    # No code for a login that has a password: neither on the next 开通单 nor one by one.
    assert "s1001" not in await activation_sheet(api, staff, "实验小学")
    teacher = (await api.get("/api/v1/teachers", params={"q": "s1001"}, headers=staff)).json()["items"][0]
    assert (await api.post(f"/api/v1/teachers/{teacher['id']}/activation-code", headers=staff)).status_code == 409


async def test_a_name_that_looks_like_a_formula_stays_text_in_the_sheet(api, login):
    """A roster name written as a spreadsheet formula must not run when staff open the 开通单."""
    staff = await login("staff01")
    hostile = '=HYPERLINK("http://evil.example")'
    rows = [["s1003", hostile, "实验小学", "语文", "小学", "13800001003", ""]]
    uploaded = await upload(api, staff, csv_bytes(rows), "roster.csv")
    assert uploaded.status_code == 200, uploaded.text
    response = await api.post(f"/api/v1/schools/{await school_id(api, staff, '实验小学')}/activation-sheet",
                              headers=staff)
    sheet = load_workbook(io.BytesIO(response.content)).active
    (name,) = [row[1] for row in sheet.iter_rows(min_row=2) if row[0].value == "s1003"]
    assert name.value == hostile and name.data_type == "s"


async def test_an_expired_or_reissued_code_is_refused(api, login, session_factory):
    staff = await imported(api, login)
    old = (await activation_sheet(api, staff, "第一中学"))["s1002"][3]
    teacher = (await api.get("/api/v1/teachers", params={"q": "s1002"}, headers=staff)).json()["items"][0]
    reissue = f"/api/v1/teachers/{teacher['id']}/activation-code"
    assert (await api.post(reissue, headers=await login("t0001"))).status_code == 403
    reissued = await api.post(reissue, headers=staff)
    assert reissued.status_code == 200 and reissued.headers["cache-control"] == "no-store"
    new = reissued.json()["code"]
    assert (await token_of(api, "s1002", old)).status_code == 401
    async with session_factory() as session:
        await session.execute(update(ActivationCode).values(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1)))
        await session.commit()
    assert (await token_of(api, "s1002", new)).status_code == 401
    audited = (await api.get("/api/v1/audit", params={"subject_type": "teachers"}, headers=await login("admin"))).json()
    assert any(entry["route"].endswith("/activation-code") for entry in audited["items"])


async def test_no_plain_code_is_stored_anywhere(api, login, session_factory):
    codes = (await activation_sheet(api, await imported(api, login), "实验小学"))
    plain = {row[3] for row in codes.values()} | {row[3].replace("-", "") for row in codes.values()}
    assert plain
    audited = (await api.get("/api/v1/audit", params={"subject_type": "schools"}, headers=await login("admin"))).json()
    assert [entry["route"] for entry in audited["items"]] == ["/api/v1/schools/{school_id}/activation-sheet"]
    async with session_factory() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                assert not any(code in str(row) for code in plain), table.name


async def test_the_codes_are_emailed_where_there_is_an_address(api, login, settings):
    staff = await imported(api, login)
    settings.notification_channels = True
    async with smtp_server() as (port, inbox):
        settings.smtp_port = port
        codes = await activation_sheet(api, staff, "实验小学")
    (mail,) = inbox  # of the school's logins without a password, only s1001 has an address
    assert mail["To"].addresses[0].addr_spec == "oyn@school.cn"
    assert codes["s1001"][3] in mail.get_content()


async def test_an_admin_reset_must_be_changed_first(api, login):
    admin = await login("admin")
    staff01 = next(u for u in (await api.get("/api/v1/users", params={"role": "staff"}, headers=admin)).json()["items"]
                   if u["username"] == "staff01")
    old = await login("staff01")
    reset = await api.patch(f"/api/v1/users/{staff01['id']}", json={"password": "temporary-1"}, headers=admin)
    assert reset.status_code == 200
    assert (await api.get("/api/v1/me", headers=old)).status_code == 401
    temporary = bearer(await token_of(api, "staff01", "temporary-1"))
    refused = await api.get("/api/v1/teachers", headers=temporary)
    assert refused.status_code == 403 and refused.json()["reason"] == "must_change_password"
    assert (await api.post("/api/v1/me/password", json={"current_password": "temporary-1",
                                                        "new_password": NEW_PASSWORD}, headers=temporary)).status_code == 204
    assert (await api.get("/api/v1/teachers", headers=bearer(await token_of(api, "staff01", NEW_PASSWORD)))).status_code == 200


# ---- throttling ----


async def test_twenty_wrong_passwords_are_throttled_for_that_username_only(api):
    answers = [await token_of(api, "t0001", f"guess-{n}") for n in range(20)]
    assert {a.status_code for a in answers[:10]} == {401}
    blocked = answers[-1]
    assert blocked.status_code == 429 and 0 < int(blocked.headers["retry-after"]) <= 60
    assert (await token_of(api, "t0001", DEMO_PASSWORD)).status_code == 429  # the right one is refused too
    assert (await token_of(api, "t0002", DEMO_PASSWORD)).status_code == 200  # other users are not blocked


async def test_every_refused_login_costs_a_password_check(api, login, monkeypatch):
    """An unknown username, a login awaiting activation and a wrong password are all refused after
    one argon2 check: how long the answer takes does not say which logins exist."""
    from services.accounts import service as accounts

    checked = []

    async def counted(password: str, password_hash: str) -> bool:
        checked.append(password_hash)
        return await verify_password(password, password_hash)

    await imported(api, login)  # s1001 has not set a password yet
    monkeypatch.setattr(accounts, "verify_password", counted)
    for username in ("nobody", "s1001", "t0001"):
        assert (await token_of(api, username, "wrong-guess")).status_code == 401
    assert len(checked) == 3


@pytest.fixture
def address_limit_per_hour(settings):
    """The address's 50 attempts counted per hour, not per minute: 51 argon2 checks on a loaded
    machine can take longer than a minute, and the first would leave the window before the last."""
    settings.login_limits_per_address = "50/hour;1000/day"


async def test_one_address_guessing_many_usernames_is_throttled(address_limit_per_hour, api):
    answers = [await token_of(api, f"nobody{n}", "guess") for n in range(51)]
    assert answers[0].status_code == 401 and answers[-1].status_code == 429
    assert int(answers[-1].headers["retry-after"]) > 0
    assert (await token_of(api, "t0002", DEMO_PASSWORD)).status_code == 429  # from this address, for now


async def test_the_console_login_is_throttled_too(api):
    answers = [await console_login(api, "t0003", f"guess-{n}")
               for n in range(20)]
    assert answers[0].status_code == 401 and answers[-1].status_code == 429
    assert int(answers[-1].headers["retry-after"]) > 0 and "尝试次数过多" in answers[-1].text
    assert (await console_login(api, "t0003", DEMO_PASSWORD)).status_code == 429


async def test_a_stolen_session_cannot_guess_the_password(api, login):
    stolen = await login("t0008")
    answers = [await api.post("/api/v1/me/password", json={"current_password": f"guess-{n}", "new_password": "mine-now-1"},
                              headers=stolen) for n in range(20)]
    assert answers[0].status_code == 422 and answers[-1].status_code == 429 and answers[-1].headers["retry-after"]


async def test_argon2_runs_off_the_event_loop():
    """A flood of logins costs CPU in threads, while the loop goes on answering."""
    hashed = await hash_password("a-password")
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            await asyncio.sleep(0.001)
            ticks += 1

    task = asyncio.create_task(ticker())
    assert not any(await asyncio.gather(*(verify_password(f"guess-{n}", hashed) for n in range(8))))
    task.cancel()
    assert ticks >= 8


# ---- sessions end: logout, password change, deactivation ----


async def test_an_old_token_fails_after_logout(api, login):
    old = await login("t0004")
    assert (await api.post("/api/v1/auth/logout", headers=old)).status_code == 204
    assert (await api.get("/api/v1/me", headers=old)).status_code == 401
    assert (await api.get("/api/v1/me", headers=bearer(await token_of(api, "t0004", DEMO_PASSWORD)))).status_code == 200


async def test_an_old_token_fails_after_a_password_change(api, login):
    old = await login("t0005")
    other_device = bearer(await token_of(api, "t0005", DEMO_PASSWORD))
    change = {"current_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD}
    assert (await api.post("/api/v1/me/password", json=change, headers=old)).status_code == 204
    for headers in (old, other_device):
        assert (await api.get("/api/v1/me", headers=headers)).status_code == 401


async def test_the_console_logout_ends_the_session(api):
    assert (await console_login(api, "t0006", DEMO_PASSWORD)).status_code == 303
    cookie = api.cookies[SESSION_COOKIE]
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', (await api.get("/console/me")).text).group(1)
    assert (await api.post("/console/logout", data={"csrf": csrf})).status_code == 303
    assert (await api.get("/api/v1/me", headers={"Authorization": f"Bearer {cookie}"})).status_code == 401
    api.cookies.set(SESSION_COOKIE, cookie)  # the stolen cookie, replayed
    assert (await api.get("/console/me")).headers["location"].startswith("/console/login")


async def test_a_deactivated_teacher_is_locked_out_and_reimport_does_not_reactivate(api, login):
    staff = await login("staff01")
    old = await login("t0005")
    feed = (await api.post("/api/v1/me/calendar-token", json={"scope": "me"}, headers=old)).json()["url"]
    feed_path = feed.removeprefix("http://127.0.0.1:8000")
    assert (await api.get(feed_path)).status_code == 200
    teacher = (await api.get("/api/v1/teachers", params={"q": "t0005"}, headers=staff)).json()["items"][0]
    off = await api.patch(f"/api/v1/teachers/{teacher['id']}", json={"active": False}, headers=staff)
    assert off.status_code == 200

    assert (await api.get("/api/v1/me", headers=old)).status_code == 401
    assert (await token_of(api, "t0005", DEMO_PASSWORD)).status_code == 401
    assert (await api.get(feed_path)).status_code == 404

    result = (await upload(api, staff, csv_bytes(GOOD_ROWS), "roster.csv")).json()  # GOOD_ROWS has t0005
    assert result["deactivated"] == ["t0005"] and result["updated"] == 0
    again = (await api.get(f"/api/v1/teachers/{teacher['id']}", headers=staff)).json()
    assert again["active"] is False and again["name"] == teacher["name"]
    assert (await token_of(api, "t0005", DEMO_PASSWORD)).status_code == 401


async def test_a_deactivated_login_is_locked_out(api, login):
    admin = await login("admin")
    old = await login("staff02")
    staff02 = next(u for u in (await api.get("/api/v1/users", headers=admin)).json()["items"]
                   if u["username"] == "staff02")
    assert (await api.patch(f"/api/v1/users/{staff02['id']}", json={"active": False}, headers=admin)).status_code == 200
    assert (await api.get("/api/v1/me", headers=old)).status_code == 401
    assert (await token_of(api, "staff02", DEMO_PASSWORD)).status_code == 401


# ---- the console: activation, cookie ----


async def test_console_activation_goes_through_the_password_page(api, login):
    staff = await imported(api, login)
    code = (await activation_sheet(api, staff, "实验小学"))["s1001"][3]
    logged_in = await console_login(api, "s1001", code, next="/console/me")
    assert logged_in.status_code == 303
    to_password = await api.get("/console/me")
    assert to_password.status_code == 303 and to_password.headers["location"] == "/console/password"
    form = await api.get("/console/password")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', form.text).group(1)
    mismatch = await api.post("/console/password", data={"csrf": csrf, "current_password": code,
                                                         "new_password": NEW_PASSWORD, "new_password_again": "x"})
    assert mismatch.status_code == 422
    done = await api.post("/console/password", data={"csrf": csrf, "current_password": code,
                                                     "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD})
    assert done.status_code == 303
    assert (await api.get("/console/me")).status_code == 200  # the new cookie carries the new version


@pytest.mark.parametrize(("base_url", "secure"), [("https://jiaoyan.example.cn", True), ("http://127.0.0.1:8000", False)])
async def test_the_session_cookie_is_secure_under_https(api, settings, base_url, secure):
    csrf = await login_form_csrf(api)  # the form's own cookie is Secure under https too: fetched before
    settings.public_base_url = base_url
    response = await api.post("/console/login", data={"username": "t0007", "password": DEMO_PASSWORD, "csrf": csrf})
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert ("; secure" in cookie) == secure


@pytest.mark.parametrize(("base_url", "hsts"), [("https://jiaoyan.example.cn", True), ("http://127.0.0.1:8000", False)])
async def test_https_deployments_tell_browsers_to_keep_to_https(settings, ts_env, base_url, hsts):
    async with api_client(settings.model_copy(update={"public_base_url": base_url}), ts_env.client) as client:
        answer = await client.get("/console/login")
    assert ("strict-transport-security" in answer.headers) == hsts


# ---- the signing key ----


def test_make_run_generates_the_key_once_and_keeps_it(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    settings = Settings(_env_file=None, var_dir=tmp_path)
    assert settings.secret_key is None  # no public default
    ensure_secret_key(settings)
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600 and len(settings.secret_key) >= 32
    again = Settings(_env_file=None, var_dir=tmp_path)  # the next start, the worker, the API
    ensure_secret_key(again)
    assert again.secret_key == settings.secret_key == key_file.read_text()


async def test_without_a_key_nothing_is_signed_and_the_api_does_not_start(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    settings = Settings(_env_file=None, var_dir=tmp_path)
    with pytest.raises(MissingSecretKey, match="SECRET_KEY"):
        create_access_token(user_id=1, token_version=0, settings=settings)
    app = create_app(settings)
    with pytest.raises(MissingSecretKey):
        async with app.router.lifespan_context(app):
            pass


async def test_a_token_signed_with_another_key_is_refused(api, settings, session_factory):
    async with session_factory() as session:
        admin = await session.scalar(select(User).where(User.username == "admin"))
    forged = create_access_token(user_id=admin.id, token_version=admin.token_version,
                                 settings=Settings(_env_file=None, secret_key="dev-only-secret-change-me-in-production-please"))
    assert (await api.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})).status_code == 401
