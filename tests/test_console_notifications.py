"""Failed notices in the console: listed with their error, sent again with one button (the rows go
back to pending and a delivery run starts), and kept from teachers. Over plain HTTP: no browser needed."""

import httpx
from sqlalchemy import select

from models import Delivery, Notification, User
from tests.conftest import DEMO_PASSWORD, api_client, console_login


async def _console_login(client: httpx.AsyncClient, username: str) -> str:
    """Logs the client in through the form; returns a CSRF token from a console page."""
    await console_login(client, username, DEMO_PASSWORD, next="/console")
    page = (await client.get("/console/notifications/failed")).text
    return page.split('name="csrf" value="')[1].split('"')[0] if 'name="csrf"' in page else ""


async def test_failed_notice_listed_and_sent_again(settings, session_factory, demo, local_env):
    async with session_factory() as session:
        teacher = await session.scalar(select(User).where(User.username == "t0001"))
        notice = Notification(key="test:failed:1", kind="submission_reminder")
        session.add(notice)
        await session.flush()
        session.add(Delivery(notification_id=notice.id, user_id=teacher.id, channel="email", status="failed",
                             attempts=3, last_error="SMTP 451 暂时无法投递"))
        await session.commit()

    async with api_client(settings, local_env.client) as client:
        csrf = await _console_login(client, "staff01")
        page = (await client.get("/console/notifications/failed")).text
        assert "SMTP 451 暂时无法投递" in page and "test:failed:1" in page

        retried = await client.post(f"/console/notifications/{notice.id}/retry", data={"csrf": csrf})
        assert retried.status_code == 303 and retried.headers["location"].endswith("done=1")
        async with session_factory() as session:
            assert await session.scalar(select(Delivery.status)) == "pending"

        forged = await client.post(f"/console/notifications/{notice.id}/retry", data={"csrf": "forged"})
        assert forged.status_code == 403

        await _console_login(client, "t0001")
        refused = await client.get("/console/notifications/failed")
        assert refused.status_code == 403 and "需要角色" in refused.text and "<html" in refused.text
        missing = await client.get("/console/no-such-page")
        assert missing.status_code == 404 and "<html" in missing.text
        api_missing = await client.get("/api/v1/no-such-endpoint")
        assert api_missing.status_code == 404 and api_missing.json()["detail"]  # the API keeps JSON
