"""Weekly sessions in the console (browser): the term calendar, a participant's check-in refused
outside its window with the window shown, the recorder's minutes form."""

import httpx
import pytest

from tests.browser import chromium, log_in, served, screenshot
from tests.series_support import monday_after, stop_series_runs  # noqa: F401 - fixture
from tests.test_series_api import CLUSTER, series_body

pytestmark = pytest.mark.browser


async def test_calendar_checkin_window_and_minutes_form(settings, session_factory, demo, ts_env, worker_on):
    term_start = monday_after(await ts_env.get_current_time(), settings.tz, 14)
    async with served(settings, ts_env.client) as base_url, worker_on(ts_env.client), chromium() as browser:
        async with httpx.AsyncClient(base_url=f"{base_url}/api/v1") as api:
            token = (await api.post("/auth/token", data={"username": "staff01", "password": "demo-pass"})).json()
            created = await api.post(f"/clusters/{CLUSTER}/series", json=series_body(term_start, theme="整本书阅读"),
                                     headers={"Authorization": f"Bearer {token['access_token']}"})
            assert created.status_code == 201, created.text
        series_id = created.json()["id"]

        staff = await log_in(browser, base_url, "staff01", next_path=f"/console/series/{series_id}")
        rows = await staff.locator("#sessions tr").count()
        assert rows == 1 + 4  # header + one session a week for four weeks
        await screenshot(staff, "series-calendar")

        teacher = await log_in(browser, base_url, "t0003", next_path=f"/console/series/{series_id}")
        await teacher.click("#sessions tr:nth-child(2) a")
        session_path = teacher.url.removeprefix(base_url)
        await teacher.click("button:has-text(\"签到\")")
        assert "签到时间为" in await teacher.inner_text("#error-checkin")

        recorder = await log_in(browser, base_url, "t0001", next_path=session_path)
        assert await recorder.locator("#f-content").count() == 1
        outsider = await log_in(browser, base_url, "t0021", next_path=session_path)
        assert await outsider.locator("button:has-text(\"签到\")").count() == 0 and await outsider.locator("#f-content").count() == 0
