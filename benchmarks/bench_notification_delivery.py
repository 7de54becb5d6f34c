"""A notice to 10,000 teachers delivered end to end on the dev server: inbox copies, an e-mail each
to a local SMTP sink (aiosmtpd in its own process), a WeCom robot per school and a signed
webhook per cluster (20 messages a minute per WeCom robot, as the platform allows). The limit it
is measured against, in the same run: the raw send throughput of the same sink, the same number
of already composed e-mails over as many connections as a delivery keeps in flight (no
database, no Temporal, no claims, no records).

    .venv/bin/python -m benchmarks.bench_notification_delivery [--teachers 10000]"""

import argparse
import asyncio
import logging
import subprocess
import sys
import time
import uuid

import aiosmtplib
from sqlalchemy import func, select, update
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from benchmarks.bench_notifications import BENCH_AUDIENCES, add_teachers, reminder
from benchmarks.notification_bench_workflows import NotifyOnceWorkflow
from benchmarks.scratch import scratch_database
from contracts.notifications.history import Audience, DeliveryStatus, NotificationKind
from contracts.notifications.notices import EXAMPLES
from contracts.search_attributes import ALL as SEARCH_ATTRIBUTES
from contracts.workflow_ids import notice_delivery
from engine.connection import bundled_binary
from models import Delivery, InboxItem, Notification, User
from notifications.channels.base import Message, Recipient
from notifications.channels.email import EmailChannel
from notifications.render import render
from services.directory.demo import load_demo_county
from tests.notification_receivers import add_robots, free_port, http_receiver
from worker import WORKFLOWS, activities_for, create_worker
from workflows.notify import DeliverNotificationWorkflow


def smtp_sink(port: int) -> subprocess.Popen:
    """aiosmtpd's own server with its discarding handler, in a process of its own."""
    return subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-u", "-l", f"127.0.0.1:{port}",
                             "-c", "aiosmtpd.handlers.Sink"])


async def raw_smtp(settings, count: int, connections: int) -> float:
    """Seconds to send `count` composed e-mails to the sink over `connections` connections."""
    channel = EmailChannel(settings)
    rendered = render(EXAMPLES[NotificationKind.submission_reminder], link="http://127.0.0.1:8000/console")
    recipients = [Recipient(n, f"教师{n:05d}", email=f"raw{n:05d}@school.test") for n in range(count)]
    emails = [(r.email, channel.compose(Message(1, "raw", NotificationKind.submission_reminder, rendered, (r,))))
              for r in recipients]

    async def sender(share: list[tuple[str, bytes]]) -> None:
        smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=settings.smtp_port)
        await smtp.connect()
        for address, email in share:
            await smtp.sendmail(channel.sender, [address], email, mail_options=["BODY=8BITMIME"])
        await smtp.quit()

    started = time.perf_counter()
    await asyncio.gather(*(sender(emails[i::connections]) for i in range(connections)))
    return time.perf_counter() - started


async def county(session_factory, receiver, count: int) -> None:
    async with session_factory() as session:
        await load_demo_county(session, password="demo-pass")
        await add_teachers(session, count=count)
        await session.execute(update(User).where(User.username.startswith("bench"))
                              .values(email=User.username + "@school.test"))
        await session.commit()
    await add_robots(session_factory, receiver)


async def counted(session_factory, key: str) -> tuple[int, dict]:
    async with session_factory() as session:
        notification_id = await session.scalar(select(Notification.id).where(Notification.key == key))
        inbox = await session.scalar(select(func.count()).select_from(InboxItem)
                                     .where(InboxItem.notification_id == notification_id))
        rows = dict((await session.execute(
            select(Delivery.channel, func.count()).where(Delivery.notification_id == notification_id,
                                                         Delivery.status == DeliveryStatus.sent)
            .group_by(Delivery.channel))).all())
    return inbox, rows


async def main(count: int) -> None:
    logging.basicConfig(level=logging.WARNING)
    settings, engine, session_factory = await scratch_database("bench-deliver-")
    settings.notification_channels = True
    settings.channel_private_hosts = "127.0.0.1"  # the robots' receiver
    settings.smtp_port = free_port()
    settings.quiet_hours_start = settings.quiet_hours_end = "00:00"  # whenever it runs
    sink = smtp_sink(settings.smtp_port)
    env = await WorkflowEnvironment.start_local(dev_server_existing_path=bundled_binary("temporal"),
                                                search_attributes=SEARCH_ATTRIBUTES,
                                                data_converter=pydantic_data_converter, ui=False)
    figures: dict[str, float] = {}
    try:
        async with http_receiver() as receiver:
            await county(session_factory, receiver, count)
            await asyncio.sleep(1)  # the sink is up
            in_flight = settings.delivery_parallel_batches * settings.delivery_concurrency
            figures["raw SMTP"] = await raw_smtp(settings, count, in_flight)

            worker = create_worker(env.client, settings=settings, session_factory=session_factory,
                                   workflows=[*WORKFLOWS, NotifyOnceWorkflow],
                                   activities=activities_for(settings=settings, session_factory=session_factory,
                                                             audiences=BENCH_AUDIENCES))
            async with worker:
                key = f"bench:delivery:{uuid.uuid4().hex[:8]}"
                everyone = Audience(name="bench.teachers", params={"prefix": "bench"})
                started = time.perf_counter()
                await env.client.execute_workflow(NotifyOnceWorkflow.run, reminder(key, audience=everyone),
                                                  id=f"bench-{key}", task_queue=settings.temporal_task_queue)
                report = await env.client.get_workflow_handle_for(
                    DeliverNotificationWorkflow.run, notice_delivery(key)).result()
                figures["notify() end to end"] = time.perf_counter() - started
            inbox, sent = await counted(session_factory, key)
            robot_messages = len(receiver.requests)
    finally:
        await env.shutdown()
        await engine.dispose()
        sink.terminate()
        await asyncio.sleep(0.1)  # lets the dev server's process exit cleanly (shared/TOOLING.md)

    assert inbox == count and sent.get("email") == count, (inbox, sent)
    raw, design = figures["raw SMTP"], figures["notify() end to end"]
    print(f"{count} teachers: {inbox} inbox copies; sent {sent}; {robot_messages} robot/webhook messages; "
          f"{sum(w.failed for w in report.waves)} failed")
    print(f"raw SMTP to the sink ({in_flight} connections): {raw:7.2f} s  {count / raw:7.0f} e-mails/s")
    print(f"notify() end to end:                 {design:7.2f} s  {count / design:7.0f} e-mails/s")
    print(f"end to end / raw SMTP throughput:    {raw / design:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teachers", type=int, default=10_000)
    asyncio.run(main(parser.parse_args().teachers))
