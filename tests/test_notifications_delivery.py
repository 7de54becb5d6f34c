"""Notices end to end on the time-skipping server: inbox at once, e-mail deferred past quiet
hours, critical kinds never deferred, a delivery batch that dies half-way resends nothing."""

import asyncio
import uuid
from collections import Counter
from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from temporalio import activity

from activities.notifications import NotificationActivities
from contracts.notifications.delivery import Drain, DrainResult
from contracts.notifications.history import DeliveryStatus, NotificationKind, NotifyRequest
from contracts.notifications.notices import EXAMPLES
from contracts.search_attributes import RUN_KIND
from models import Delivery, InboxItem, Preference, Teacher, User
from notifications.channels import open_channels
from notifications.channels.email import EmailChannel
from tests.notification_receivers import channels_on, smtp_server  # noqa: F401 (autouse fixture)
from contracts.workflow_ids import notice_delivery as delivery_workflow_id
from tests.notification_workflows import NotifyAt, NotifyAtWorkflow
from worker import WORKFLOWS, activities_for, create_worker
from workflows.notify import DeliverNotificationWorkflow

SHANGHAI = ZoneInfo("Asia/Shanghai")


def request(kind: NotificationKind, user_ids: list[int]) -> NotifyRequest:
    return NotifyRequest(payload=EXAMPLES[kind], key=f"test:{kind}:{uuid.uuid4()}", user_ids=user_ids,
                         link="/console/campaigns/7/problems/new", campaign_id=7)


@pytest.fixture
async def mail(settings):
    async with smtp_server() as (port, inbox):
        settings.smtp_port = port
        settings.delivery_retry_base_seconds = 0.01
        yield inbox


@pytest.fixture
def run_worker(settings, session_factory):
    def _worker(client, activities=None):
        return create_worker(client, settings=settings, session_factory=session_factory, activities=activities,
                             workflows=[*WORKFLOWS, NotifyAtWorkflow])

    return _worker


async def user_ids(session_factory, *usernames: str) -> list[int]:
    async with session_factory() as session:
        query = select(User.id).order_by(User.id)
        if usernames:
            query = query.where(User.username.in_(usernames))
        else:
            query = query.join(Teacher, Teacher.user_id == User.id)
        return list(await session.scalars(query))


async def notify_at(ts_env, settings, notice: NotifyRequest, local_time: str, **options):
    return await ts_env.client.execute_workflow(
        NotifyAtWorkflow.run, NotifyAt(request=notice, local_time=local_time, **options),
        id=f"caller-{uuid.uuid4()}", task_queue=settings.temporal_task_queue,
    )


async def deliveries_of(ts_env, notice: NotifyRequest):
    handle = ts_env.client.get_workflow_handle_for(DeliverNotificationWorkflow.run, delivery_workflow_id(notice.key))
    return await handle.result()


async def rows(session_factory, model, notification_id: int):
    async with session_factory() as session:
        return list(await session.scalars(select(model).where(model.notification_id == notification_id)))


async def test_reminder_due_at_23_arrives_at_07_and_escalation_is_not_deferred(
    ts_env, settings, session_factory, demo, mail, run_worker
):
    (teacher,) = await user_ids(session_factory, "t0001")
    reminder = request(NotificationKind.submission_reminder, [teacher])
    escalation = request(NotificationKind.escalation, [teacher])
    async with run_worker(ts_env.client):
        notified = await notify_at(ts_env, settings, reminder, "23:00")
        # The inbox copy landed at once; the e-mail was held.
        assert notified.result.inbox_created == 1 and notified.result.deferred == 1
        (wave,) = (await deliveries_of(ts_env, reminder)).waves
        assert abs(wave.delivered_at - notified.at - timedelta(hours=8)) < timedelta(minutes=1)
        assert wave.due_at.astimezone(SHANGHAI).time() == time(7, 0) and wave.delivered_at >= wave.due_at
        assert wave.sent == 1 and len(mail) == 1

        described = await ts_env.client.get_workflow_handle(delivery_workflow_id(reminder.key)).describe()
        assert described.typed_search_attributes.get(RUN_KIND) == "notification"  # listed among the runs

        urgent = await notify_at(ts_env, settings, escalation, "23:00")
        (wave,) = (await deliveries_of(ts_env, escalation)).waves
        assert wave.due_at is None and wave.delivered_at - urgent.at < timedelta(minutes=1)
        assert len(mail) == 2 and mail[1]["Subject"].startswith("【督办】")


async def test_batch_that_dies_half_way_is_retried_without_resending(
    ts_env, settings, session_factory, demo, mail, run_worker
):
    settings.delivery_concurrency = 1  # a deterministic order: the crash comes after exactly 3 e-mails
    sends = Counter()

    class DiesOnce(EmailChannel):
        async def send(self, message):
            sends["calls"] += 1
            if sends["calls"] == 4:
                raise RuntimeError("worker lost mid-batch")
            await super().send(message)

    def channels(s):
        opener = open_channels(s)
        return _Patched(opener, DiesOnce(s))

    class _Patched:
        def __init__(self, opener, email):
            self.opener, self.email = opener, email

        async def __aenter__(self):
            found = await self.opener.__aenter__()
            found["email"] = self.email
            return found

        async def __aexit__(self, *exc):
            await self.email.aclose()
            return await self.opener.__aexit__(*exc)

    teachers = await user_ids(session_factory)
    notice = request(NotificationKind.campaign_opened, teachers)
    activities = NotificationActivities(session_factory, settings, channels=channels)
    async with run_worker(ts_env.client, activities.all()):
        notified = await notify_at(ts_env, settings, notice, "10:00")
        (wave,) = (await deliveries_of(ts_env, notice)).waves

    assert sends["calls"] == len(teachers) + 1  # the crashed send is the only repeat attempt
    per_recipient = Counter(str(m["To"].addresses[0].addr_spec) for m in mail)
    assert len(per_recipient) == len(teachers) and set(per_recipient.values()) == {1}
    delivered = await rows(session_factory, Delivery, notified.result.notification_id)
    assert {d.status for d in delivered} == {DeliveryStatus.sent} and len(delivered) == len(teachers)
    assert wave.sent == 1  # the retried activity had only the crashed message left to send


async def test_inbox_rows_are_written_once_per_recipient_even_if_published_twice(
    ts_env, settings, session_factory, demo, mail, run_worker
):
    teachers = await user_ids(session_factory)
    notice = request(NotificationKind.report_ready, teachers)
    async with run_worker(ts_env.client):
        first = await notify_at(ts_env, settings, notice, "10:00")
        second = await notify_at(ts_env, settings, notice, "10:00")
        await deliveries_of(ts_env, notice)
    assert first.result.inbox_created == len(teachers) and second.result.inbox_created == 0
    async with session_factory() as session:
        count = await session.scalar(select(func.count()).select_from(InboxItem)
                                     .where(InboxItem.notification_id == first.result.notification_id))
    assert count == len(teachers)
    assert len(mail) == len(teachers)


async def test_daily_digest_bundles_non_urgent_emails_into_one(
    ts_env, settings, session_factory, demo, mail, run_worker
):
    (teacher,) = await user_ids(session_factory, "t0002")
    async with session_factory() as session:
        session.add(Preference(user_id=teacher, digest=True))
        await session.commit()
    opened, returned = request(NotificationKind.campaign_opened, [teacher]), request(NotificationKind.plan_returned, [teacher])
    changed = request(NotificationKind.session_changed, [teacher])  # urgent: never waits for the digest
    async with run_worker(ts_env.client):
        first = await notify_at(ts_env, settings, opened, "10:00", also=[changed, returned])

    assert len(mail) == 2
    assert mail[0]["Subject"] == "联片教研有变更：初中联片 周周有约 第3次：作业减负与提质"  # at once
    digest = mail[1]
    assert digest["Subject"].startswith("教研流每日汇总") and digest["Subject"].endswith("2 条通知")
    text = digest.get_body(("plain",)).get_content()
    assert "开始征集问题" in text and "研究方案被退回" in text
    async with session_factory() as session:
        rows = list(await session.scalars(select(Delivery).where(Delivery.user_id == teacher, Delivery.digest.is_(True))))
    assert len(rows) == 2 and {r.status for r in rows} == {DeliveryStatus.sent}
    assert {r.not_before.astimezone(SHANGHAI).time() for r in rows} == {time(18, 0)}
    assert first.result.deferred == 1


async def test_a_worker_runs_a_few_drains_however_many_notices_are_sent(
    local_env, settings, session_factory, demo, mail, run_worker
):
    """Twelve notices at once, two drains each: one worker sends them all, never running more
    than DELIVERY_DRAINS_PER_WORKER drains side by side; the rest wait on their queue. (On the
    dev server: the time-skipping one would skip the callers' lingering time while drains run.)"""
    settings.delivery_drains_per_worker = 3
    teachers = await user_ids(session_factory)
    running, most = 0, 0
    activities = NotificationActivities(session_factory, settings, audiences={})

    @activity.defn(name="drain_deliveries")
    async def counted_drain(job: Drain) -> DrainResult:
        nonlocal running, most
        running += 1
        most = max(most, running)
        try:
            await asyncio.sleep(0.2)  # long enough for the others to start beside it, if they could
            return await activities.drain_deliveries(job)
        finally:
            running -= 1

    product = [fn for fn in activities_for(settings=settings, session_factory=session_factory)
               if fn.__name__ != "drain_deliveries"]
    notices = [request(NotificationKind.escalation, teachers) for _ in range(12)]
    async with run_worker(local_env.client, activities=[*product, counted_drain]):
        await asyncio.gather(*(notify_at(local_env, settings, notice, None, linger=timedelta(0)) for notice in notices))
        reports = await asyncio.gather(*(deliveries_of(local_env, notice) for notice in notices))
    assert [sum(wave.sent for wave in report.waves) for report in reports] == [len(teachers)] * 12
    assert len(mail) == 12 * len(teachers)
    assert most == 3
