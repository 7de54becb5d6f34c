"""Delivery runs meeting each other and what they are about, on the time-skipping server with the
product's worker and a real SMTP server: a staff retry started while the original run waits for
quiet hours to end (both wake at 07:00) reaches each teacher once; a campaign cancelled while its
reminder waits for 07:00 has the reminder withdrawn and its cancellation delivered; a notice that
cannot be stored alerts the admins instead of vanishing."""

import uuid
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from temporalio.api.testservice.v1 import UnlockTimeSkippingRequest
from temporalio.client import WorkflowExecutionStatus

from contracts.notifications.history import Audience, DeliveryStatus, NotificationKind, NotifyRequest
from contracts.notifications.notices import EXAMPLES
from contracts.workflow_ids import notice_delivery
from models import Delivery, InboxItem, Notification, Preference, Teacher, User
from tests.campaign_helpers import API, api_on_virtual_time, eventually
from tests.notification_receivers import channels_on, mailbox_server  # noqa: F401 (autouse fixture)
from tests.notification_workflows import NotifyAt, NotifyAtWorkflow
from worker import WORKFLOWS, create_worker
from workflows.notify import DeliverNotificationWorkflow

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def mailbox(settings):
    settings.delivery_retry_base_seconds = 0.01
    settings.delivery_batch_size = 5  # small claims: the two runs interleave
    with mailbox_server() as (port, box):
        settings.smtp_port = port
        yield box


@pytest.fixture
async def worker(ts_env, settings, session_factory):
    return create_worker(ts_env.client, settings=settings, session_factory=session_factory,
                         workflows=[*WORKFLOWS, NotifyAtWorkflow])


async def teachers(session_factory) -> list[User]:
    async with session_factory() as session:
        return list(await session.scalars(select(User).join(Teacher, Teacher.user_id == User.id).order_by(User.id)))


def delivery_run(ts_env, workflow_id: str):
    return ts_env.client.get_workflow_handle_for(DeliverNotificationWorkflow.run, workflow_id)


async def statuses(session_factory, key: str) -> Counter:
    async with session_factory() as session:
        return Counter(await session.scalars(
            select(Delivery.status).join(Notification).where(Notification.key == key)))


def next_local(now: datetime, hhmm: str) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    local = now.astimezone(SHANGHAI)
    at = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return at if at > local else at + timedelta(days=1)


async def test_staff_retry_during_the_quiet_hours_wave_reaches_each_teacher_once(
    ts_env, settings, session_factory, demo, mailbox, worker
):
    everyone = await teachers(session_factory)
    awake = everyone[:10]  # quiet hours off: their e-mail goes at 23:00, and is refused
    async with session_factory() as session:
        session.add_all(Preference(user_id=t.id, quiet_hours=False) for t in awake)
        await session.commit()
    mailbox.refuse = {t.email for t in awake}
    notice = NotifyRequest(payload=EXAMPLES[NotificationKind.submission_reminder], key=f"test:{uuid.uuid4()}",
                           user_ids=[t.id for t in everyone], link="/console", campaign_id=7)
    async with worker, api_on_virtual_time(settings, ts_env) as api:
        caller = await ts_env.client.start_workflow(
            NotifyAtWorkflow.run, NotifyAt(request=notice, local_time="23:00"), id=f"caller-{uuid.uuid4()}",
            task_queue=settings.temporal_task_queue)
        now = await ts_env.get_current_time()
        await ts_env.sleep(next_local(now, "23:05") - now)
        # Refused e-mail is retried with backoff in real time before it is marked failed.
        await eventually(lambda: _counted(session_factory, notice.key, DeliveryStatus.failed, len(awake)), timeout=90)
        assert mailbox.received == []

        mailbox.refuse = set()
        token = (await api.post(f"{API}/auth/token", data={"username": "staff01", "password": "demo-pass"})).json()
        async with session_factory() as session:
            notification_id = await session.scalar(select(Notification.id).where(Notification.key == notice.key))
        retried = await api.post(f"{API}/notifications/{notification_id}/retry",
                                 headers={"Authorization": f"Bearer {token['access_token']}"})
        assert retried.status_code == 202 and retried.json()["reset"] == len(awake)
        retry = delivery_run(ts_env, retried.json()["workflow_id"])
        original = delivery_run(ts_env, notice_delivery(notice.key))
        # Both runs now wait for 07:00 and wake together; the caller lingers past it.
        await caller.result()
        original_report, retry_report = await original.result(), await retry.result()

    per_address = mailbox.per_address()
    assert set(per_address.values()) == {1} and len(per_address) == len(everyone)
    assert await statuses(session_factory, notice.key) == {DeliveryStatus.sent: len(everyone)}
    morning = [w for report in (original_report, retry_report) for w in report.waves if w.due_at is not None]
    assert sum(w.sent for w in morning) == len(everyone) - len(awake)


async def _counted(session_factory, key: str, status: DeliveryStatus, count: int) -> bool:
    return (await statuses(session_factory, key))[status] == count


async def test_cancel_during_the_quiet_hours_wave_withdraws_the_reminder_and_delivers_the_cancellation(
    ts_env, settings, session_factory, demo, mailbox, worker
):
    async with worker, api_on_virtual_time(settings, ts_env) as api:
        token = (await api.post(f"{API}/auth/token", data={"username": "staff01", "password": "demo-pass"})).json()
        staff = {"Authorization": f"Bearer {token['access_token']}"}
        now = await ts_env.get_current_time()
        reminder_at = next_local(now + timedelta(hours=2), "23:00")  # in the teachers' quiet hours
        launched = await api.post(f"{API}/campaigns", headers=staff, json={
            "title": "深夜提醒测试", "cluster_ids": [1],
            "schedule": {"collect_topics": (reminder_at + timedelta(hours=1)).isoformat(), "train": "P1D",
                         "design_plan": "P1D", "practise": "P1D", "reflect": "P1D"},
            "reminder_offsets": ["PT1H"], "grace": "PT1H"})
        assert launched.status_code == 201, launched.text
        campaign_id = launched.json()["id"]
        reminder_key = f"campaign:{campaign_id}:collect_topics:reminder:3600s:v0"

        await ts_env.sleep(reminder_at + timedelta(minutes=5) - now)
        await eventually(lambda: _counted(session_factory, reminder_key, DeliveryStatus.deferred, 20))
        cancelled = await api.post(f"{API}/campaigns/{campaign_id}/cancel", headers=staff, json={"reason": "停课"})
        assert cancelled.status_code == 200, cancelled.text
        cancel_key = f"campaign:{campaign_id}:cancelled"
        await eventually(lambda: _all_sent(session_factory, cancel_key))
        await eventually(lambda: _closed(delivery_run(ts_env, notice_delivery(cancel_key))))
        # The test server leaves time locked once an abandoned child (the cancellation's delivery)
        # ends after its parent: free it, then go to the moment the reminder's wave is due.
        await ts_env.client.test_service.unlock_time_skipping(UnlockTimeSkippingRequest())
        async with session_factory() as session:
            due = await session.scalar(select(func.min(Delivery.not_before)).join(Notification)
                                       .where(Notification.key == reminder_key))
        assert due.astimezone(SHANGHAI).hour == 7
        await ts_env.sleep(due - await ts_env.get_current_time())
        reminder_run = delivery_run(ts_env, notice_delivery(reminder_key))
        await eventually(lambda: _closed(reminder_run))
        report = await reminder_run.result()

    assert await statuses(session_factory, reminder_key) == {DeliveryStatus.withdrawn: 20}
    assert report.waves[0].withdrawn == 20 and report.waves[0].sent == 0
    subjects = Counter(subject for _, _, subject in mailbox.received)
    told = (await statuses(session_factory, cancel_key))[DeliveryStatus.sent]
    assert told > 20 and subjects["教研活动已取消：深夜提醒测试"] == told  # cluster 1's teachers and staff
    assert not any("提交" in subject for subject in subjects)


async def _closed(handle) -> bool:
    return (await handle.describe()).status != WorkflowExecutionStatus.RUNNING


async def _all_sent(session_factory, key: str) -> bool:
    counted = await statuses(session_factory, key)
    return bool(counted) and set(counted) == {DeliveryStatus.sent}


async def test_a_notice_that_cannot_be_stored_alerts_the_admins(ts_env, settings, session_factory, demo, worker):
    settings.notification_channels = False
    notice = NotifyRequest(payload=EXAMPLES[NotificationKind.report_ready], key=f"test:{uuid.uuid4()}",
                           audience=Audience(name="campaign.no_such_audience"), link="/console")
    async with worker:
        notified = await ts_env.client.execute_workflow(
            NotifyAtWorkflow.run, NotifyAt(request=notice, linger=timedelta(minutes=1)), id=f"caller-{uuid.uuid4()}",
            task_queue=settings.temporal_task_queue)
    assert notified.result is None
    async with session_factory() as session:
        alerts = (await session.execute(
            select(User.username, InboxItem.title, InboxItem.body).join(InboxItem, InboxItem.user_id == User.id)
            .where(InboxItem.kind == NotificationKind.notice_rejected))).all()
    assert [(username, title) for username, title, _ in alerts] == [("admin", "【系统】一条通知未能发出")]
    assert notice.key in alerts[0].body and "no_such_audience" in alerts[0].body
