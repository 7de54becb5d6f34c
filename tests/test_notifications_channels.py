"""Each channel against a real local receiver: aiosmtpd for e-mail, an HTTP server that checks
each robot platform's JSON shape and signature (shared/TOOLING.md), and failures that retry and
are then recorded while the inbox copy still lands."""

import base64
import hashlib
import hmac
import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from contracts.notifications.delivery import Drain
from contracts.notifications.history import ChannelName, DeliveryStatus, NotificationKind, NotifyRequest
from contracts.notifications.notices import EXAMPLES
from models import Delivery, InboxItem, RobotChannel, School, Teacher, User
from notifications import delivery, service
from notifications.channels import open_channels
from tests.notification_receivers import http_receiver, smtp_server, channels_on  # noqa: F401 (autouse fixture)

DAYTIME = datetime(2026, 3, 18, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai: no quiet hours
LINK = "/console/campaigns/7/problems/new"
SECRET = "SEC-robot-secret"


def notice(kind: NotificationKind, user_ids: list[int]) -> NotifyRequest:
    return NotifyRequest(payload=EXAMPLES[kind], key=f"test:{uuid.uuid4()}", user_ids=user_ids,
                         link=LINK, campaign_id=7)


@pytest.fixture
def fast(settings):
    settings.delivery_retry_base_seconds = 0.01
    settings.http_timeout_seconds = 0.3
    return settings


async def school_teachers(session_factory, school_name: str) -> tuple[int, list[User]]:
    async with session_factory() as session:
        school = await session.scalar(select(School).where(School.name == school_name))
        users = list(await session.scalars(
            select(User).join(Teacher, Teacher.user_id == User.id).where(Teacher.school_id == school.id).order_by(User.id)
        ))
        return school.id, users


async def add_robot(session_factory, **values) -> int:
    async with session_factory() as session:
        robot = RobotChannel(name=f"{values['kind']} robot", **values)
        session.add(robot)
        await session.commit()
        return robot.id


async def publish_and_deliver(session_factory, settings, request: NotifyRequest):
    """What the workflow does, without Temporal: publish, then every wave's batches."""
    async with session_factory() as session:
        published = await service.publish(session, request=request, at=DAYTIME, settings=settings)
        await session.commit()
        plan = await delivery.plan(session, notification_id=published.notification_id, settings=settings)
    deliveries = delivery.Deliveries(session_factory, settings, open_channels)
    for wave in plan.waves:
        await deliveries.drain(Drain(notification_id=published.notification_id, at=wave.due_at or DAYTIME))
    async with session_factory() as session:
        rows = list(await session.scalars(select(Delivery).where(Delivery.notification_id == published.notification_id)))
    return published, rows


async def test_email_arrives_multipart_with_chinese_subject_and_sender(settings, session_factory, demo):
    _, (teacher, *_) = await school_teachers(session_factory, "实验小学")
    async with smtp_server() as (port, mails):
        settings.smtp_port = port
        _, rows = await publish_and_deliver(session_factory, settings,
                                            notice(NotificationKind.submission_reminder, [teacher.id]))
    assert [r.status for r in rows] == [DeliveryStatus.sent]
    (mail,) = mails
    assert mail["Subject"] == "提醒：请提交「2026年春季初中数学问题征集」的教学问题"
    assert mail["From"].addresses[0].display_name == "教研流"
    assert mail["To"].addresses[0].display_name == teacher.display_name
    plain, html = mail.get_body(("plain",)), mail.get_body(("html",))
    link = "http://127.0.0.1:8000" + LINK
    assert link in plain.get_content() and f'href="{link}"' in html.get_content()
    assert "您还没有提交问题" in plain.get_content() and "您还没有提交问题" in html.get_content()


def _dingtalk_ok(request) -> bool:
    timestamp, sign = request.query["timestamp"], request.query["sign"]  # parse_qs already URL-decoded it
    expected = base64.b64encode(hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(), hashlib.sha256).digest())
    return sign == expected.decode()


def _feishu_ok(body: dict) -> bool:
    expected = hmac.new(f"{body['timestamp']}\n{SECRET}".encode(), b"", hashlib.sha256).digest()
    return body["sign"] == base64.b64encode(expected).decode()


def _webhook_ok(request) -> bool:
    timestamp = request.headers["x-jiaoyan-timestamp"]
    expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256).hexdigest()
    return request.headers["x-jiaoyan-signature"] == f"sha256={expected}"


async def test_each_robot_gets_its_platform_format_signed_with_mentions(settings, session_factory, demo):
    school_id, teachers = await school_teachers(session_factory, "实验小学")
    settings.smtp_port = 1  # no mail server: e-mail fails, robots are what this test looks at
    settings.delivery_attempts = 1
    async with http_receiver() as receiver:
        for kind in ("wecom", "dingtalk", "feishu", "webhook"):
            secret = None if kind == "wecom" else SECRET
            await add_robot(session_factory, kind=kind, url=receiver.url(f"/{kind}?key=abc"), secret=secret,
                            school_id=school_id)
        _, rows = await publish_and_deliver(session_factory, settings,
                                            notice(NotificationKind.session_changed, [t.id for t in teachers]))

    by_path = {r.path: r for r in receiver.requests}
    assert sorted(by_path) == ["/dingtalk", "/feishu", "/webhook", "/wecom"]  # one message per robot per batch
    mobiles = [t.phone for t in teachers]

    wecom = by_path["/wecom"].json
    assert wecom["msgtype"] == "text" and wecom["text"]["mentioned_mobile_list"] == mobiles
    assert "联片教研有变更" in wecom["text"]["content"]

    dingtalk = by_path["/dingtalk"]
    assert _dingtalk_ok(dingtalk) and dingtalk.query["key"] == "abc"
    assert dingtalk.json["msgtype"] == "markdown" and dingtalk.json["at"] == {"atMobiles": mobiles, "isAtAll": False}
    assert dingtalk.json["markdown"]["title"].startswith("联片教研有变更")
    assert all(f"@{m}" in dingtalk.json["markdown"]["text"] for m in mobiles)

    feishu = by_path["/feishu"].json
    assert _feishu_ok(feishu) and feishu["msg_type"] == "interactive"
    assert feishu["card"]["header"]["title"]["content"].startswith("联片教研有变更")
    button = feishu["card"]["elements"][1]["actions"][0]
    assert button["url"] == "http://127.0.0.1:8000" + LINK

    webhook = by_path["/webhook"]
    assert _webhook_ok(webhook)
    assert webhook.json["kind"] == "session_changed" and [r["user_id"] for r in webhook.json["recipients"]] == [
        t.id for t in teachers
    ]

    robot_rows = [r for r in rows if r.channel != ChannelName.email]
    assert len(robot_rows) == 4 * len(teachers) and {r.status for r in robot_rows} == {DeliveryStatus.sent}


async def test_cluster_robot_reaches_every_school_and_long_lists_are_split(settings, session_factory, demo):
    school_id, teachers = await school_teachers(session_factory, "实验小学")
    async with session_factory() as session:
        cluster_id = (await session.get(School, school_id)).cluster_id
        cluster_teachers = list(await session.scalars(
            select(User.id).join(Teacher, Teacher.user_id == User.id).join(School, School.id == Teacher.school_id)
            .where(School.cluster_id == cluster_id)
        ))
    settings.robot_max_mentions = 8
    settings.smtp_port = 1
    settings.delivery_attempts = 1
    async with http_receiver() as receiver:
        await add_robot(session_factory, kind="wecom", url=receiver.url("/cluster"), cluster_id=cluster_id)
        await add_robot(session_factory, kind="wecom", url=receiver.url("/school"), school_id=school_id)
        await publish_and_deliver(session_factory, settings, notice(NotificationKind.session_reminder, cluster_teachers))
    school = [r.json["text"]["mentioned_mobile_list"] for r in receiver.requests if r.path == "/school"]
    cluster = [r.json["text"]["mentioned_mobile_list"] for r in receiver.requests if r.path == "/cluster"]
    assert sum(map(len, school)) == len(teachers)  # the school's own robot wins over the cluster's
    assert sum(map(len, cluster)) == len(cluster_teachers) - len(teachers)
    assert all(len(mentions) <= 8 for mentions in school + cluster) and len(cluster) == 2


@pytest.mark.parametrize("answers, error", [([500, 500, 500], "HTTP 500"), (["hang"] * 3, "timeout")])
async def test_failing_receiver_is_retried_then_recorded_and_the_inbox_copy_lands(
    fast, session_factory, demo, answers, error
):
    school_id, teachers = await school_teachers(session_factory, "实验小学")
    fast.smtp_port = 1
    async with http_receiver() as receiver:
        receiver.answers = list(answers)
        await add_robot(session_factory, kind="webhook", url=receiver.url("/hook"), secret=SECRET, school_id=school_id)
        published, rows = await publish_and_deliver(session_factory, fast,
                                                    notice(NotificationKind.task_overdue, [t.id for t in teachers]))
    assert len(receiver.requests) == fast.delivery_attempts == 3
    hook = [r for r in rows if r.channel == ChannelName.webhook]
    assert {(r.status, r.attempts) for r in hook} == {(DeliveryStatus.failed, 3)}
    assert all(error in r.last_error for r in hook)
    async with session_factory() as session:
        inbox = list(await session.scalars(select(InboxItem).where(InboxItem.notification_id == published.notification_id)))
    assert len(inbox) == len(teachers)


async def test_transient_failure_then_success_is_sent_once(fast, session_factory, demo):
    school_id, teachers = await school_teachers(session_factory, "实验小学")
    fast.smtp_port = 1
    async with http_receiver() as receiver:
        receiver.answers = [503]
        await add_robot(session_factory, kind="dingtalk", url=receiver.url("/ding"), secret=SECRET, school_id=school_id)
        _, rows = await publish_and_deliver(session_factory, fast,
                                            notice(NotificationKind.task_assigned, [t.id for t in teachers]))
    assert len(receiver.requests) == 2
    ding = [r for r in rows if r.channel == ChannelName.dingtalk]
    assert {(r.status, r.attempts, r.last_error) for r in ding} == {(DeliveryStatus.sent, 2, None)}
