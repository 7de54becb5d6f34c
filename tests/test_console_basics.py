"""The console's frame in a real browser: login errors keep what was typed, roles land on their
home, a notice's inbox link opens its action, the runs page is for staff and admins."""

import pytest

from models import InboxItem, Notification, User
from tests.browser import chromium, log_in, served

pytestmark = pytest.mark.browser


async def test_login_error_keeps_username_and_links_open_their_action(settings, session_factory, demo, ts_env):
    async with session_factory() as session:
        teacher = (await session.execute(User.__table__.select().where(User.username == "t0001"))).first()
        notice = Notification(key="test:1", kind="submission_reminder", link="/console/me")
        session.add(notice)
        await session.flush()
        session.add(InboxItem(notification_id=notice.id, user_id=teacher.id, kind="submission_reminder",
                              title="请提交教学问题", body="还有 2 天截止", link="/console/me"))
        await session.commit()

    async with served(settings, ts_env.client) as base_url, chromium() as browser:
        page = await log_in(browser, base_url, "t0001", "wrong-password")
        assert await page.input_value("#f-username") == "t0001"
        assert "用户名或密码错误" in await page.inner_text("#error-password")

        page = await log_in(browser, base_url, "t0001", next_path="/console/inbox")
        assert "1 条未读" in await page.inner_text("h1")
        await page.click("text=请提交教学问题")
        await page.wait_for_load_state()
        assert page.url.endswith("/console/me")

        staff = await log_in(browser, base_url, "staff01", next_path="/console/inbox")
        await staff.goto(f"{base_url}/console/inbox")
        assert "0 条未读" in await staff.inner_text("h1")
