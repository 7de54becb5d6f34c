"""Teacher exchanges in the console (browser, phone width): staff open the exchange board of the
demo year (services/exchanges/demo.py): quota bars, who is away, reports due and to assess; a
returned teacher, from her exchanges, writes her return report. Every page passes axe-core."""

import pytest

from services.exchanges.demo import load_demo_exchanges
from tests.browser import chromium, log_in, screenshot, served
from tests.test_console_mentoring import axe_problems, fits_the_phone

pytestmark = pytest.mark.browser


async def test_staff_read_the_board_and_a_returned_teacher_writes_her_report(settings, session_factory, demo, ts_env):
    today = (await ts_env.get_current_time()).astimezone(settings.tz).date()
    async with session_factory() as session:
        await load_demo_exchanges(session, today=today, tz=settings.tz)
        await session.commit()
    async with served(settings, ts_env.client) as base_url, chromium() as browser:
        staff = await log_in(browser, base_url, "staff01", next_path="/console")
        await staff.click("header >> text=交流轮岗")
        assert await staff.locator("progress").count() == 6  # two bars for each of the three alliances
        assert "待考核（1）" in await staff.inner_text("main") and "待交总结（1）" in await staff.inner_text("main")
        assert await fits_the_phone(staff) and not await axe_problems(staff)
        await screenshot(staff, "exchanges-board")
        await staff.locator("main .card", has_text="跟岗").filter(has_text="待考核").first.click()
        for name in ("teaching_results", "local_influence", "collaboration", "outcome", "comment"):
            assert await staff.locator(f"#f-{name}").count() == 1, name
        assert await fits_the_phone(staff) and not await axe_problems(staff)

        teacher = await log_in(browser, base_url, "t0004", next_path="/console/me/exchanges")
        assert "/console/exchanges/" in teacher.url and "总结截止" not in await teacher.inner_text("h1")
        await teacher.fill("#f-content", "在育才小学上研讨课两节，与数学组共同备课三次。")
        assert await fits_the_phone(teacher) and not await axe_problems(teacher)
        await teacher.click("main form button[type=submit]")
        assert "交流总结已提交" in await teacher.inner_text(".flash")
        assert "共同备课三次" in await teacher.inner_text("main")
        await screenshot(teacher, "exchange-report")
