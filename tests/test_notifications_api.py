"""The notification API: my inbox and preferences, the staff delivery log and retry, robots."""

import uuid
from datetime import datetime, timezone

from sqlalchemy import select, update

from contracts.notifications.history import DeliveryStatus, NotificationKind, NotifyRequest
from contracts.notifications.notices import EXAMPLES
from models import Delivery, RobotChannel, School, User
from notifications import service
from tests.notification_receivers import channels_on  # noqa: F401 (autouse fixture)

API = "/api/v1"
DAYTIME = datetime(2026, 3, 18, 2, 0, tzinfo=timezone.utc)


async def user_id(session_factory, username: str) -> int:
    async with session_factory() as session:
        return await session.scalar(select(User.id).where(User.username == username))


async def publish(session_factory, settings, kind: NotificationKind, user_ids: list[int], **extra) -> int:
    request = NotifyRequest(payload=EXAMPLES[kind], key=f"test:{uuid.uuid4()}", user_ids=user_ids,
                            link="/console/campaigns/7", **extra)
    async with session_factory() as session:
        result = await service.publish(session, request=request, at=DAYTIME, settings=settings)
        await session.commit()
    return result.notification_id


async def test_inbox_unread_filter_read_one_and_read_all(api, login, session_factory, settings):
    me = await user_id(session_factory, "t0001")
    for kind in (NotificationKind.campaign_opened, NotificationKind.submission_reminder, NotificationKind.escalation):
        await publish(session_factory, settings, kind, [me])
    await publish(session_factory, settings, NotificationKind.report_ready, [await user_id(session_factory, "t0002")])
    headers = await login("t0001")

    page = (await api.get(f"{API}/me/notifications", headers=headers)).json()
    assert page["total"] == 3 and page["unread_count"] == 3
    assert page["items"][0]["kind"] == "escalation"  # newest first
    assert page["items"][0]["title"].startswith("【督办】") and page["items"][0]["link"] == "/console/campaigns/7"

    first = page["items"][0]["id"]
    read = await api.post(f"{API}/me/notifications/{first}/read", headers=headers)
    assert read.status_code == 200 and read.json()["read_at"]
    unread = (await api.get(f"{API}/me/notifications", params={"unread": True}, headers=headers)).json()
    assert unread["total"] == 2 and unread["unread_count"] == 2 and first not in [i["id"] for i in unread["items"]]

    other = (await api.get(f"{API}/me/notifications", headers=await login("t0002"))).json()["items"][0]["id"]
    assert (await api.post(f"{API}/me/notifications/{other}/read", headers=headers)).status_code == 404

    assert (await api.post(f"{API}/me/notifications/read-all", headers=headers)).json() == {"updated": 2}
    assert (await api.get(f"{API}/me/notifications", headers=headers)).json()["unread_count"] == 0


async def test_preferences_defaults_update_and_critical_kinds(api, login):
    headers = await login("t0003")
    defaults = (await api.get(f"{API}/me/preferences", headers=headers)).json()
    assert defaults["locale"] == "zh-CN" and defaults["quiet_hours"] == {"enabled": True, "start": "22:00", "end": "07:00"}
    assert set(defaults["critical_kinds"]) == {"escalation", "campaign_cancelled", "notice_rejected"}

    wanted = {"locale": "en", "muted": {"*": ["wecom"], "submission_reminder": ["email"]}, "digest": True,
              "quiet_hours": {"enabled": True, "start": "21:30", "end": "06:45"}}
    saved = await api.put(f"{API}/me/preferences", json=wanted, headers=headers)
    assert saved.status_code == 200, saved.text
    again = (await api.get(f"{API}/me/preferences", headers=headers)).json()
    assert {k: again[k] for k in wanted} == wanted

    refused = await api.put(f"{API}/me/preferences", json={"muted": {"escalation": ["email"]}}, headers=headers)
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "muted"]
    unknown = await api.put(f"{API}/me/preferences", json={"muted": {"nonsense": ["email"]}}, headers=headers)
    assert unknown.status_code == 422


async def test_muted_channel_is_skipped_but_critical_kinds_always_go(api, login, session_factory, settings):
    headers = await login("t0004")
    me = await user_id(session_factory, "t0004")
    await api.put(f"{API}/me/preferences", json={"muted": {"*": ["email"]}, "locale": "en"}, headers=headers)
    reminder = await publish(session_factory, settings, NotificationKind.submission_reminder, [me])
    escalation = await publish(session_factory, settings, NotificationKind.escalation, [me])
    async with session_factory() as session:
        channels = {n: list(await session.scalars(select(Delivery.channel).where(Delivery.notification_id == n)))
                    for n in (reminder, escalation)}
    assert channels == {reminder: [], escalation: ["email"]}
    inbox = (await api.get(f"{API}/me/notifications", headers=headers)).json()["items"]
    assert inbox[1]["title"].startswith("Reminder:")  # rendered in her locale


async def test_staff_delivery_log_filters_and_retry(api, login, session_factory, settings):
    teachers = [await user_id(session_factory, f"t{n:04d}") for n in (1, 2, 3)]
    notification_id = await publish(session_factory, settings, NotificationKind.task_overdue, teachers, campaign_id=42)
    async with session_factory() as session:
        await session.execute(update(Delivery).where(Delivery.user_id == teachers[0])
                              .values(status=DeliveryStatus.failed, attempts=3, last_error="SMTP 550"))
        await session.commit()
    staff = await login("staff01")

    log = (await api.get(f"{API}/notifications", params={"campaign_id": 42}, headers=staff)).json()
    assert log["total"] == 3 and {i["kind"] for i in log["items"]} == {"task_overdue"}
    failed = (await api.get(f"{API}/notifications", params={"status": "failed", "channel": "email"},
                            headers=staff)).json()
    assert [(i["user_id"], i["last_error"]) for i in failed["items"]] == [(teachers[0], "SMTP 550")]
    mine = (await api.get(f"{API}/notifications", params={"recipient": teachers[1]}, headers=staff)).json()
    assert mine["total"] == 1

    retried = await api.post(f"{API}/notifications/{notification_id}/retry", headers=staff)
    # The failed one, and the two pending that no delivery run holds (published here without one).
    assert retried.status_code == 202 and retried.json()["reset"] == 3 and retried.json()["workflow_id"]
    assert (await api.get(f"{API}/notifications", params={"status": "failed"}, headers=staff)).json()["total"] == 0
    assert (await api.post(f"{API}/notifications/999999/retry", headers=staff)).status_code == 404


async def test_teachers_cannot_see_the_log_nor_robots(api, login):
    teacher = await login("t0001")
    assert (await api.get(f"{API}/notifications", headers=teacher)).status_code == 403
    assert (await api.post(f"{API}/notifications/1/retry", headers=teacher)).status_code == 403
    assert (await api.get(f"{API}/channels", headers=teacher)).status_code == 403
    assert (await api.post(f"{API}/channels", json={}, headers=teacher)).status_code == 403


async def test_robot_channels_keep_their_secrets(api, login, session_factory):
    staff = await login("staff01")
    async with session_factory() as session:
        school = await session.scalar(select(School).order_by(School.id))
    body = {"kind": "dingtalk", "name": "实验小学教研群", "school_id": school.id, "secret": "SECdeadbeef",
            "url": "https://oapi.dingtalk.com/robot/send?access_token=t0ps3cret"}
    created = await api.post(f"{API}/channels", json=body, headers=staff)
    assert created.status_code == 201, created.text
    robot = created.json()
    assert "secret" not in robot and robot["has_secret"] is True
    assert "t0ps3cret" not in created.text and robot["url"].endswith("access_token=***")

    listed = await api.get(f"{API}/channels", params={"school_id": school.id}, headers=staff)
    assert listed.json()["total"] == 1 and "SECdeadbeef" not in listed.text and "t0ps3cret" not in listed.text
    async with session_factory() as session:
        assert (await session.get(RobotChannel, robot["id"])).secret == "SECdeadbeef"  # stored, to sign with

    duplicate = await api.post(f"{API}/channels", json=body, headers=staff)
    assert duplicate.status_code == 409 and duplicate.json()["robot_id"] == robot["id"]
    both = await api.post(f"{API}/channels", json={**body, "cluster_id": school.cluster_id}, headers=staff)
    assert both.status_code == 422
    unsigned_hook = await api.post(f"{API}/channels", json={**body, "kind": "webhook", "secret": None}, headers=staff)
    assert unsigned_hook.status_code == 422 and unsigned_hook.json()["detail"][0]["loc"] == ["body", "secret"]

    assert (await api.delete(f"{API}/channels/{robot['id']}", headers=staff)).status_code == 204
    assert (await api.delete(f"{API}/channels/{robot['id']}", headers=staff)).status_code == 404
