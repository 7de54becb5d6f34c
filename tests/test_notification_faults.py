"""Notices through faults, with real processes and servers on loopback: the product's worker as a
subprocess, SMTP (aiosmtpd), an HTTP receiver for the robots and webhooks, Temporal dev servers,
PostgreSQL behind a proxy that can be cut.

1. The worker is SIGKILLed mid fan-out and a new one started: one inbox copy each, every address
   and mention reached, e-mail duplicates within the in-flight bound, none once robots and
   webhooks drop repeated X-Jiaoyan-Delivery ids, no row left pending.
2. The Temporal server is killed and restarted (same SQLite file) while a delivery is in flight and
   a reminder falls due: the campaign goes on, the reminder reaches each teacher once.
3. The database is unreachable for longer than the delivery's retry budget: the rows end failed,
   the retry delivers them once the database is back, nobody is messaged twice.

Counts are asserted, never durations; the figures (duplicates, how soon delivery resumed) are
written to test-artifacts/faults/figures.txt. Bigger variants: `make chaos` (FAULT_TEACHERS,
FAULT_LEASE_SECONDS, FAULT_ROUND_RETRY_SECONDS: county size, the production timings)."""

import asyncio
import os
import time
from collections import Counter
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select, update
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.contrib.pydantic import pydantic_data_converter

from benchmarks.big_county import add_teachers
from config import Settings
from contracts.notifications.delivery import DeliverInput
from contracts.notifications.history import DeliveryStatus, NotificationKind, NotifyRequest
from contracts.notifications.notices import EXAMPLES
from contracts.workflow_ids import notice_delivery
from db import create_engine, create_session_factory
from models import Delivery, InboxItem, Notification, User
from notifications import service
from scripts.bootstrap import migrate
from services.accounts.service import bootstrap_admin
from services.directory.demo import load_demo_county
from tests.conftest import DEMO_PASSWORD, api_client
from tests.fault_stack import LOGS, DevServer, TcpProxy, wait_for, worker_process, worker_ready
from tests.notification_receivers import add_robots, http_receiver, mailbox_server
from tests.postgres import throwaway_postgres
from workflows.notify import DeliverNotificationWorkflow, delivery_search_attributes

pytestmark = pytest.mark.heavy

TEACHERS = int(os.environ.get("FAULT_TEACHERS", 2000))
LEASE_SECONDS = float(os.environ.get("FAULT_LEASE_SECONDS", 2))  # the heartbeat timeout too
# The most messages a lost worker can leave sent but unrecorded: activities × sends in flight.
IN_FLIGHT = Settings(_env_file=None).delivery_parallel_batches * Settings(_env_file=None).delivery_concurrency
FAST = {"delivery_lease_seconds": LEASE_SECONDS,
        "delivery_round_retry_seconds": float(os.environ.get("FAULT_ROUND_RETRY_SECONDS", 0.5))}
NO_QUIET_HOURS = {"quiet_hours_start": "00:00", "quiet_hours_end": "00:00"}  # whatever the hour the suite runs at


def figures(line: str) -> None:
    LOGS.mkdir(parents=True, exist_ok=True)
    with (LOGS / "figures.txt").open("a") as out:
        out.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}\n")


async def with_addresses(session_factory, count: int) -> None:
    """`count` more teachers, spread over every school, each with an e-mail address."""
    async with session_factory() as session:
        ids = await add_teachers(session, count=count)
        await session.execute(update(User).where(User.id.in_(ids)).values(email=User.username + "@school.test"))
        await session.commit()


def mentions(receiver) -> tuple[Counter, int]:
    """Who the robots and webhooks reached, each delivery id counted once; and how many requests
    repeated an id they had already sent."""
    first = {}
    for request in receiver.requests:
        first.setdefault(request.headers["x-jiaoyan-delivery"], request)
    reached = Counter()
    for request in first.values():
        if request.path == "/wecom":
            reached.update(f"wecom:{mobile}" for mobile in request.json["text"]["mentioned_mobile_list"])
        else:
            reached.update(f"webhook:{person['user_id']}" for person in request.json["recipients"])
    return reached, len(receiver.requests) - len(first)


async def expected_reach(session_factory, notification_id: int) -> Counter:
    async with session_factory() as session:
        rows = (await session.execute(
            select(Delivery.channel, Delivery.user_id, User.phone).join(User, User.id == Delivery.user_id)
            .where(Delivery.notification_id == notification_id, Delivery.channel != "email"))).all()
    return Counter(f"wecom:{phone}" if channel == "wecom" else f"webhook:{user_id}" for channel, user_id, phone in rows)


async def notice_state(session_factory, key: str) -> tuple[int, Counter, Counter]:
    """The notice's id, its deliveries by status, and inbox copies per recipient."""
    async with session_factory() as session:
        notification_id = await session.scalar(select(Notification.id).where(Notification.key == key))
        statuses = Counter(dict((await session.execute(
            select(Delivery.status, func.count()).where(Delivery.notification_id == notification_id)
            .group_by(Delivery.status))).all()))
        inbox = Counter(await session.scalars(select(InboxItem.user_id).where(InboxItem.notification_id == notification_id)))
    return notification_id, statuses, inbox


async def addresses(session_factory, notification_id: int) -> set[str]:
    async with session_factory() as session:
        return set(await session.scalars(
            select(User.email).join(Delivery, Delivery.user_id == User.id)
            .where(Delivery.notification_id == notification_id, Delivery.channel == "email")))


async def resumed_after(session_factory, notification_id: int, since: datetime) -> float:
    """Seconds from `since` until the first delivery recorded sent after it."""
    async with session_factory() as session:
        first = await session.scalar(select(func.min(Delivery.sent_at)).where(
            Delivery.notification_id == notification_id, Delivery.sent_at > since))
    return (first - since).total_seconds()


async def launch(settings, client: Client, **campaign) -> int:
    async with api_client(settings, client) as api:
        token = (await api.post("/api/v1/auth/token", data={"username": "staff01", "password": DEMO_PASSWORD})).json()
        launched = await api.post("/api/v1/campaigns", headers={"Authorization": f"Bearer {token['access_token']}"},
                                  json={"title": "春季全区教研", **campaign})
    assert launched.status_code == 201, launched.text
    return launched.json()["id"]


async def delivered(client: Client, key: str, timeout: float):
    handle = client.get_workflow_handle_for(DeliverNotificationWorkflow.run, notice_delivery(key))
    return await wait_for(lambda: _result_if_closed(handle), timeout=timeout, what=f"delivery of {key}", every=0.5)


async def _result_if_closed(handle):
    try:
        description = await handle.describe()
    except Exception:  # not started yet
        return None
    return await handle.result() if description.status != WorkflowExecutionStatus.RUNNING else None


LONG_PHASES = {"collect_topics": "P7D", "train": "P7D", "design_plan": "P7D", "practise": "P7D", "reflect": "P7D"}


async def test_worker_killed_mid_fan_out(settings, session_factory, demo, local_env):
    await with_addresses(session_factory, TEACHERS)
    address = local_env.client.service_client.config.target_host
    with mailbox_server() as (smtp_port, mail):
        settings.smtp_port = smtp_port
        # Slow robots: some of their messages are in flight when the worker dies.
        async with http_receiver(delay=0.2) as receiver:
            await add_robots(session_factory, receiver)
            # Groups of 20 mentions: robot messages all along the fan-out, not only every 50 teachers.
            first = worker_process("kill-1", settings, temporal_address=address, robot_max_mentions=20, **FAST).start()
            second = worker_process("kill-2", settings, temporal_address=address, robot_max_mentions=20, **FAST)
            try:
                await worker_ready(first)
                campaign_id = await launch(settings, local_env.client, cluster_ids=[1, 2, 3], schedule=LONG_PHASES)
                key = f"campaign:{campaign_id}:opened"
                # Killed with a robot message received but not answered: it must go again, under its id.
                await wait_for(lambda: len(mail.received) >= 500 and receiver.unanswered, timeout=120,
                               what="500 e-mails and a robot message in flight", every=0.005)
                first.kill()
                at_kill = len(mail.received)
                second.start()
                second_started = datetime.now(timezone.utc)
                await delivered(local_env.client, key, timeout=300)
                await local_env.client.get_workflow_handle(f"campaign-{campaign_id}").terminate("test over")
            finally:
                first.kill()
                second.stop()

        notification_id, statuses, inbox = await notice_state(session_factory, key)
        reached, robot_repeats = mentions(receiver)
        expected = await expected_reach(session_factory, notification_id)
        wanted = await addresses(session_factory, notification_id)
        resumed = await resumed_after(session_factory, notification_id, second_started)
    per_address = mail.per_address()
    duplicates = sum(per_address.values()) - len(per_address)
    figures(f"worker SIGKILL: {len(inbox)} recipients, killed after {at_kill} e-mails; e-mail duplicates "
            f"{duplicates} (bound {IN_FLIGHT}); robot/webhook requests repeating a delivery id {robot_repeats}; "
            f"first e-mail {resumed:.1f} s after the new worker started (lease {LEASE_SECONDS} s)")

    assert len(inbox) > TEACHERS and set(inbox.values()) == {1}  # one inbox copy each
    assert set(per_address) == wanted and duplicates <= IN_FLIGHT
    assert robot_repeats > 0 and reached == expected and set(reached.values()) == {1}  # once each, by delivery id
    assert statuses == {DeliveryStatus.sent: sum(statuses.values())}  # nothing pending, nothing failed


async def test_temporal_server_restarted_while_delivering_and_a_reminder_falls_due(
    settings, session_factory, demo, tmp_path
):
    await with_addresses(session_factory, TEACHERS // 4)
    server = DevServer("temporal-restart", tmp_path / "temporal.db").start()
    # A slow mail server keeps the fan-out in flight while the Temporal server is down.
    with mailbox_server(delay=0.05) as (smtp_port, mail):
        settings.smtp_port = smtp_port
        worker = worker_process("restart-worker", settings, temporal_address=server.address, **FAST)
        client = None
        try:
            await server.ready()
            worker.start()
            await worker_ready(worker)
            client = await Client.connect(server.address, data_converter=pydantic_data_converter)
            launched_at = time.monotonic()
            campaign_id = await launch(settings, client, cluster_ids=[1], reminder_offsets=["PT20S"], schedule={
                **LONG_PHASES, "collect_topics": "PT30S"})  # the reminder falls due 10 s after the launch
            opened, reminder = f"campaign:{campaign_id}:opened", f"campaign:{campaign_id}:collect_topics:reminder:20s:v0"
            await wait_for(lambda: len(mail.received) >= 100, timeout=60, what="100 e-mails", every=0.02)
            server.kill()
            at_kill = len(mail.received)
            await wait_for(lambda: time.monotonic() > launched_at + 15, timeout=30, what="the reminder's time")
            server.start()
            restarted = datetime.now(timezone.utc)
            await server.ready()
            await delivered(client, opened, timeout=300)
            await delivered(client, reminder, timeout=300)
            campaign = await client.get_workflow_handle(f"campaign-{campaign_id}").describe()
            await client.get_workflow_handle(f"campaign-{campaign_id}").terminate("test over")
        finally:
            worker.stop()
            server.stop()

        opened_id, opened_rows, opened_inbox = await notice_state(session_factory, opened)
        reminder_id, reminder_rows, reminder_inbox = await notice_state(session_factory, reminder)
        opened_to, reminded = await addresses(session_factory, opened_id), await addresses(session_factory, reminder_id)
        resumed = await resumed_after(session_factory, reminder_id, restarted)
    subjects = Counter((address, subject.startswith("提醒")) for _, address, subject in mail.received)
    opened_mail = Counter({address: n for (address, is_reminder), n in subjects.items() if not is_reminder})
    reminder_mail = Counter({address: n for (address, is_reminder), n in subjects.items() if is_reminder})
    duplicates = sum(opened_mail.values()) - len(opened_mail)
    figures(f"Temporal restart: {len(opened_inbox)} recipients, server killed after {at_kill} e-mails; opened-notice "
            f"e-mail duplicates {duplicates}; reminders {sum(reminder_mail.values())} to {len(reminder_mail)} "
            f"addresses, the first {resumed:.1f} s after the restart")

    assert campaign.status == WorkflowExecutionStatus.RUNNING  # the campaign went on
    assert set(opened_inbox.values()) == set(reminder_inbox.values()) == {1} and len(reminder_inbox) > 100
    assert set(opened_mail) == opened_to and duplicates <= IN_FLIGHT
    assert set(reminder_mail) == reminded and set(reminder_mail.values()) == {1}  # the reminder, once each
    for rows in (opened_rows, reminder_rows):
        assert rows == {DeliveryStatus.sent: sum(rows.values())}


@pytest.mark.postgres
async def test_database_unreachable_past_the_retry_budget(settings, local_env):
    address = local_env.client.service_client.config.target_host
    with throwaway_postgres() as url, mailbox_server(delay=0.01) as (smtp_port, mail):
        await asyncio.to_thread(migrate, url)
        engine = create_engine(url)
        session_factory = create_session_factory(engine)
        proxy = TcpProxy(target_port=int(url.rsplit(":", 1)[1].split("/")[0]))
        await proxy.restore()
        settings = settings.model_copy(update={"database_url": url, "smtp_port": smtp_port, "notification_channels": True,
                                               **NO_QUIET_HOURS})
        worker = worker_process("db-outage-worker", settings, temporal_address=address,
                                database_url=url.replace(url.rsplit(":", 1)[1].split("/")[0], str(proxy.port), 1),
                                delivery_rounds=2, **FAST)
        try:
            async with session_factory() as session:
                await bootstrap_admin(session, username="admin", password=DEMO_PASSWORD)
                await load_demo_county(session, password=DEMO_PASSWORD)
                await session.commit()
            await with_addresses(session_factory, TEACHERS // 8)
            worker.start()
            await worker_ready(worker)
            key = f"test:outage:{time.time_ns()}"
            notification_id = await _publish(session_factory, settings, key)
            run = await local_env.client.start_workflow(
                DeliverNotificationWorkflow.run, DeliverInput(notification_id=notification_id), id=notice_delivery(key),
                task_queue=settings.temporal_task_queue,
                search_attributes=delivery_search_attributes(campaign_id=None, series_id=None))
            await wait_for(lambda: len(mail.received) >= 60, timeout=60, what="60 e-mails", every=0.01)
            await proxy.cut()
            at_cut = len(mail.received)
            await wait_for(lambda: _gave_up(run), timeout=120, what="the run giving up", every=0.5)
            await proxy.restore()
            await run.result()
            _, after_outage, _ = await notice_state(session_factory, key)
            mailed_before_retry = mail.per_address()

            async with api_client(settings, local_env.client) as api:
                token = (await api.post("/api/v1/auth/token", data={"username": "staff01", "password": DEMO_PASSWORD})).json()
                headers = {"Authorization": f"Bearer {token['access_token']}"}
                listed = await api.get("/api/v1/notifications", params={"status": "failed", "limit": 1}, headers=headers)
                retried = await api.post(f"/api/v1/notifications/{notification_id}/retry", headers=headers)
            await local_env.client.get_workflow_handle(retried.json()["workflow_id"]).result()
            _, after_retry, inbox = await notice_state(session_factory, key)
            wanted = await addresses(session_factory, notification_id)
        finally:
            worker.stop()
            await proxy.cut()
            await engine.dispose()
    figures(f"database outage: {len(inbox)} recipients, cut after {at_cut} e-mails; after giving up {dict(after_outage)}; "
            f"retry reset {retried.json()['reset']}; e-mails sent twice {sum(mail.per_address().values()) - len(wanted)}")

    assert after_outage[DeliveryStatus.failed] > 0 and set(after_outage) <= {DeliveryStatus.sent, DeliveryStatus.failed}
    assert listed.json()["total"] == after_outage[DeliveryStatus.failed]  # what staff see as failed
    assert set(mailed_before_retry.values()) == {1}
    assert retried.json()["reset"] == after_outage[DeliveryStatus.failed]
    assert after_retry == {DeliveryStatus.sent: len(wanted)}
    assert set(mail.per_address()) == wanted and set(mail.per_address().values()) == {1}  # nobody twice


async def _publish(session_factory, settings, key: str) -> int:
    async with session_factory() as session:
        teachers = list(await session.scalars(select(User.id).where(User.email.is_not(None), User.role == "teacher")))
        published = await service.publish(session, settings=settings, request=NotifyRequest(
            payload=EXAMPLES[NotificationKind.task_overdue], key=key, user_ids=teachers, link="/console"))
        await session.commit()
    return published.notification_id


async def _gave_up(run) -> bool:
    async for event in run.fetch_history_events():
        if event.HasField("activity_task_scheduled_event_attributes") and (
                event.activity_task_scheduled_event_attributes.activity_type.name == "give_up_deliveries"):
            return True
    return False
