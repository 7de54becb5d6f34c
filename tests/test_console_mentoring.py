"""Mentor pairs in the console (browser, phone width): staff walk the mentoring board of the demo
pairs (services/mentoring/demo.py) to the pair that is behind; its mentee, from her pairs, logs an observation (a bad date
first: refused next to the field), fills her stage form, and her mentor confirms the log."""

import pytest

from services.mentoring.demo import load_demo_pairs
from tests.browser import chromium, log_in, screenshot, served
from tests.test_console_a11y import AXE, FAILING_IMPACTS

pytestmark = pytest.mark.browser
PHONE_WIDTH = 390


async def fits_the_phone(page) -> bool:
    return await page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


async def axe_problems(page) -> list[str]:
    """axe-core's serious and critical violations on the page (README, Accessibility)."""
    violations = (await AXE.run(page)).response["violations"]
    return [f"{page.url}: {v['id']} at {node['target']}" for v in violations if v["impact"] in FAILING_IMPACTS
            for node in v["nodes"]]


async def test_staff_walk_the_board_and_a_mentee_logs_and_fills_her_stage_form(settings, session_factory, demo,
                                                                                ts_env):
    async with session_factory() as session:
        await load_demo_pairs(session, now=await ts_env.get_current_time())
        await session.commit()
    async with served(settings, ts_env.client) as base_url, chromium() as browser:
        staff = await log_in(browser, base_url, "staff01", next_path="/console")
        await staff.click("header >> text=青蓝工程")
        await staff.click("main a.plain >> nth=0")  # this school year's programme first
        behind = staff.locator("main .card", has_text="徒弟")
        assert "徐丽娟" in await behind.first.inner_text() and "记录 0/2" in await behind.first.inner_text()
        assert await staff.locator("h2", has_text="尚未结对的教师").count() == 1
        assert await fits_the_phone(staff) and not await axe_problems(staff)
        await screenshot(staff, "mentoring-board")
        await behind.first.locator("a").click()
        pair_path = staff.url.removeprefix(base_url)
        for staff_form in ("#verdict", "#mentor", "#extend", "#end"):
            assert await staff.locator(staff_form).count() == 1, staff_form
        assert await staff.locator("#log").count() == 0 and not await axe_problems(staff)

        mentee = await log_in(browser, base_url, "t0050", next_path="/console/mentoring")
        await mentee.click("main a.plain >> nth=0")
        assert mentee.url.removeprefix(base_url) == pair_path
        await mentee.select_option("#f-kind", "observe")
        await mentee.fill("#f-happened_on", "2099-01-01")
        await mentee.fill("#f-note", "听师傅《一次函数》新授课，学习提问设计")
        await mentee.click("#log button[type=submit]")
        assert "今天之前" in await mentee.inner_text("#error-happened_on") and not await axe_problems(mentee)
        await mentee.fill("#f-happened_on", await mentee.evaluate("new Date().toISOString().slice(0, 10)"))
        await mentee.click("#log button[type=submit]")
        assert "已记录" in await mentee.inner_text(".flash")
        await mentee.fill("#f-summary", "听课 8 节，上汇报课 1 节，作业设计有进步")
        await mentee.click("#form button[type=submit]")
        assert "考评表已提交" in await mentee.inner_text(".flash")
        assert "听课 8 节" in await mentee.inner_text("main")
        assert await fits_the_phone(mentee) and not await axe_problems(mentee)
        await screenshot(mentee, "mentoring-pair-mentee")

        mentor = await log_in(browser, base_url, "t0047", next_path=pair_path)
        await mentor.click("button:has-text(\"确认（听课\")")
        assert "已确认" in await mentor.inner_text(".flash")
