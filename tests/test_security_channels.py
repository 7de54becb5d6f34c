"""Robots and webhooks configured by a hostile staff member, written as the attack: posts to
loopback, the metadata service and names resolving inward are refused (at configuration where the
address is literal, and as the worker connects) unless the host is listed in
CHANNEL_PRIVATE_HOSTS; redirects are not followed; the delivery log never shows what a receiver
answered; the channel list and the audit log never show a token."""

import ipaddress
import socket

import httpx
import pytest
from sqlalchemy import select

from config import Settings
from contracts.notifications.history import ChannelName, DeliveryStatus, NotificationKind
from models import AuditEntry, RobotChannel, School
from notifications.channels.base import PermanentError
from notifications.channels.robots import WeComRobot
from notifications.channels.targets import REFUSED, is_public
from tests.notification_receivers import channels_on, http_receiver  # noqa: F401 (autouse fixture)
from tests.test_notifications_channels import SECRET, add_robot, notice, publish_and_deliver, school_teachers

API = "/api/v1"
ANSWER_SECRET = "INTERNAL-ANSWER-d41d8cd9"


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1",
    "240.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1", "ff02::1", "::ffff:127.0.0.1",
    "::ffff:169.254.169.254", "64:ff9b::a00:1",
    # Issue 26: forms Python 3.11 counts as global (IPv4-compatible, SIIT, local-use NAT64, 6to4, site-local).
    "::7f00:1", "::ffff:0:7f00:1", "64:ff9b:1::7f00:1", "2002:7f00:1::", "fec0::1", "::a9fe:a9fe", "2002:a00:1::1",
])
def test_addresses_that_are_not_public(address):
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "2001:4860:4860::8888", "::ffff:8.8.8.8", "64:ff9b::808:808",
                                     "2002:808:808::1", "::ffff:0:808:808"])
def test_public_addresses(address):
    assert is_public(ipaddress.ip_address(address))


def test_private_hosts_are_named_as_urls_name_them(settings):
    settings.channel_private_hosts = " Hooks.School.Example , [::1], ::FFFF:127.0.0.1,,"
    assert settings.channel_private_host_set == {"hooks.school.example", "::1", "::ffff:7f00:1"}
    assert Settings(_env_file=None).channel_private_host_set == frozenset()  # none by default


# ---- at configuration --------------------------------------------------------------------------


async def _configure(api, login, session_factory, school: int = 0, **body):
    """POST /channels for the `school`-th school (one robot of a kind per school)."""
    async with session_factory() as session:
        school_id = (await session.scalars(select(School.id).order_by(School.id))).all()[school]
    return await api.post(f"{API}/channels", json={"name": "群", "school_id": school_id, "secret": "s3", **body},
                          headers=await login("staff01"))


def _names_url(answer) -> bool:
    return answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", "url"]


async def test_platform_robots_only_over_https_to_their_own_host(api, login, session_factory, settings):
    settings.channel_private_hosts = "127.0.0.1"  # a listed host is no exception for a platform's robot
    for kind, url in [
        ("wecom", "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"),  # not https
        ("wecom", "https://qyapi.weixin.qq.com.evil.example/cgi-bin/webhook/send?key=k"),
        ("wecom", "https://evil.example/cgi-bin/webhook/send?key=k"),
        ("dingtalk", "https://qyapi.weixin.qq.com/robot/send?access_token=t"),  # another platform's host
        ("dingtalk", "https://127.0.0.1/robot/send?access_token=t"),
        ("feishu", "https://open.feishu.cn.evil.example/open-apis/bot/v2/hook/t"),
    ]:
        assert _names_url(answer := await _configure(api, login, session_factory, kind=kind, url=url)), answer.text
    for school, (kind, url) in enumerate([
        ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"),
        ("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=t"),
        ("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/t"),
        ("feishu", "https://open.larksuite.com/open-apis/bot/v2/hook/t"),
        ("webhook", "https://hooks.school.example/in"),  # a name: resolved only when posting
    ]):
        assert (await _configure(api, login, session_factory, school, kind=kind, url=url)).status_code == 201


async def test_webhooks_to_literal_private_addresses_are_refused_unless_listed(api, login, session_factory, settings):
    for school, url in enumerate([
        "http://127.0.0.1:8080/hook", "http://169.254.169.254/latest/meta-data/", "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook", "http://10.0.0.5/hook", "http://100.64.0.1/hook", "http://0.0.0.0/hook",
    ]):
        settings.channel_private_hosts = ""
        assert _names_url(refused := await _configure(api, login, session_factory, school, kind="webhook", url=url)), \
            refused.text
        settings.channel_private_hosts = f"intranet.example, {httpx.URL(url).host}"
        assert (await _configure(api, login, session_factory, school, kind="webhook", url=url)).status_code == 201


# ---- as the worker connects --------------------------------------------------------------------


@pytest.fixture
def resolver(monkeypatch):
    """Names resolved as the test says (asyncio's getaddrinfo calls socket.getaddrinfo); others as usual."""
    names: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in names:
            return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                    for a in names[host]]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return names


async def _deliver_to(session_factory, settings, url: str):
    """A webhook for a school at `url`, and a notice to its teachers: the webhook's rows."""
    school_id, teachers = await school_teachers(session_factory, "实验小学")
    settings.smtp_port, settings.delivery_retry_base_seconds = 1, 0.01
    async with session_factory() as session:
        for robot in await session.scalars(select(RobotChannel)):
            await session.delete(robot)
        await session.commit()
    await add_robot(session_factory, kind="webhook", url=url, secret=SECRET, school_id=school_id)
    _, rows = await publish_and_deliver(session_factory, settings,
                                        notice(NotificationKind.task_overdue, [t.id for t in teachers]))
    return [r for r in rows if r.channel == ChannelName.webhook]


def _refused(rows) -> bool:
    """Failed at once with the fixed reason: refusals are not retried."""
    return bool(rows) and {(r.status, r.attempts, r.last_error) for r in rows} == {(DeliveryStatus.failed, 1, REFUSED)}


async def test_names_resolving_inward_are_refused_at_send_time_unless_listed(settings, session_factory, demo, resolver):
    resolver["hooks.school.example"] = ["127.0.0.1"]
    resolver["split.school.example"] = ["8.8.8.8", "127.0.0.1"]  # every address is checked
    resolver["metadata.school.example"] = ["169.254.169.254"]
    async with http_receiver() as receiver:
        settings.channel_private_hosts = ""
        for name in ("localhost", "hooks.school.example", "split.school.example", "metadata.school.example"):
            assert _refused(await _deliver_to(session_factory, settings, f"http://{name}:{receiver.port}/hook")), name
        for literal in (f"127.0.0.1:{receiver.port}", "169.254.169.254", f"[::1]:{receiver.port}"):  # stored rows
            assert _refused(await _deliver_to(session_factory, settings, f"http://{literal}/hook")), literal
        assert receiver.requests == []

        settings.channel_private_hosts = "hooks.school.example"  # listed: it goes through, to the address checked
        rows = await _deliver_to(session_factory, settings, f"http://hooks.school.example:{receiver.port}/hook")
        assert {r.status for r in rows} == {DeliveryStatus.sent}
        assert [r.headers["host"] for r in receiver.requests] == [f"hooks.school.example:{receiver.port}"]

        settings.channel_private_hosts = "127.0.0.1, ::1"  # or listed by its addresses
        rows = await _deliver_to(session_factory, settings, f"http://localhost:{receiver.port}/hook")
        assert {r.status for r in rows} == {DeliveryStatus.sent} and len(receiver.requests) == 2


async def test_redirects_are_not_followed(settings, session_factory, demo):
    async with http_receiver() as inside, http_receiver() as outside:
        outside.answers = [302]
        outside.error_headers = {"Location": inside.url("/admin/delete-everything")}
        rows = await _deliver_to(session_factory, settings, outside.url("/hook"))
    assert len(outside.requests) == 1 and inside.requests == []
    assert {(r.status, r.attempts) for r in rows} == {(DeliveryStatus.failed, 1)}
    assert all(r.last_error.startswith("HTTP 302") for r in rows)


async def test_the_delivery_log_never_shows_what_a_receiver_answered(settings, session_factory, api, login):
    async with http_receiver() as receiver:
        receiver.error_body = f'{{"error": "{ANSWER_SECRET}", "stack": "db password hunter2"}}'.encode()
        receiver.answers = [500] * settings.delivery_attempts
        transient = await _deliver_to(session_factory, settings, receiver.url("/hook"))
        receiver.answers = [400]
        permanent = await _deliver_to(session_factory, settings, receiver.url("/hook"))
    assert {r.last_error for r in transient} == {"HTTP 500"} and {r.last_error for r in permanent} == {"HTTP 400"}
    log = await api.get(f"{API}/notifications", params={"status": "failed", "channel": "webhook"},
                        headers=await login("staff01"))
    assert log.json()["total"] == len(transient) + len(permanent) and ANSWER_SECRET not in log.text

    with pytest.raises(PermanentError) as refused:  # a platform's error: its number, not its message
        WeComRobot(settings).check(httpx.Response(200, json={"errcode": 93000, "errmsg": ANSWER_SECRET}))
    assert str(refused.value) == "wecom error 93000"


async def test_tokens_are_masked_in_the_channel_list_and_the_audit_log(api, login, session_factory):
    tokens = ["2d7e8c1a-0b0f-4c5e-9e7e-1234567890ab", "w3bh00k-pa55", "k3y-value", "s1gn-value", "acc3ss-t0ken"]
    configured = [
        ("feishu", f"https://open.feishu.cn/open-apis/bot/v2/hook/{tokens[0]}"),
        ("webhook", f"https://school:{tokens[1]}@hooks.school.example/in?key={tokens[2]}&sign={tokens[3]}"),
        ("dingtalk", f"https://oapi.dingtalk.com/robot/send?access_token={tokens[4]}"),
    ]
    for kind, url in configured:
        answer = await _configure(api, login, session_factory, kind=kind, url=url)
        assert answer.status_code == 201 and not any(t in answer.text for t in tokens), answer.text
    listed = await api.get(f"{API}/channels", headers=await login("staff01"))
    assert listed.json()["total"] == 3 and not any(t in listed.text for t in tokens)
    assert [item["url"] for item in listed.json()["items"]] == [
        "https://open.feishu.cn/open-apis/bot/v2/hook/***",
        "https://***@hooks.school.example/in?key=***&sign=***",
        "https://oapi.dingtalk.com/robot/send?access_token=***",
    ]

    async with session_factory() as session:
        entries = list(await session.scalars(select(AuditEntry).where(AuditEntry.route == f"{API}/channels")))
    assert len(entries) == 3 and not any(t in str(e.payload) for e in entries for t in tokens)
    audit = await api.get(f"{API}/audit", headers=await login("admin"))
    assert audit.status_code == 200 and not any(t in audit.text for t in tokens)
