"""Backups of a running stack and their restore, against real processes on loopback (the product's
worker as a subprocess, a Temporal dev server on a SQLite file, an SMTP sink: tests/fault_stack.py).

The app database is at today's schema (the demo county is written with today's models; a backup of an
earlier schema is restored and migrated in test_operations_restore.py): campaigns and series
(CAMPAIGNS, SERIES) are launched while 30 backups are taken one after another (each checked with
integrity_check), with the campaigns' openings and the series' announcements being delivered. Then
everything stops, the last backup is restored over both databases, the schema is migrated (as `make
run` does) and the stack starts again: every run carries on from the backup's instant, each
campaign's reminder (due after the backup) reaches each teacher once, no campaign, series, run or
inbox copy is missing or doubled, and no workflow task failed in any run's history (the restarted
worker replayed them all). Counts are asserted, never durations."""

import asyncio
import os
from collections import Counter
from datetime import datetime, timedelta

from alembic.config import Config
from alembic.script import ScriptDirectory
import pytest
from sqlalchemy import func, select
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.contrib.pydantic import pydantic_data_converter

from config import ROOT
from db import create_engine, create_session_factory
from models import Campaign, Delivery, InboxItem, Notification, Series
from scripts.bootstrap import migrate
from services.accounts.service import bootstrap_admin
from services.backups import archive as archives
from services.backups.restore import restore
from services.directory.demo import load_demo_county
from tests.conftest import DEMO_PASSWORD, api_client
from tests.fault_stack import DevServer, wait_for, worker_process, worker_ready
from tests.notification_receivers import mailbox_server

pytestmark = pytest.mark.heavy

# 10 runs by default (2 cores shared with the rest of the suite); the 50:
# BACKUP_CAMPAIGNS=40 BACKUP_SERIES=10 (README, Operations, has what that measured).
CAMPAIGNS = int(os.environ.get("BACKUP_CAMPAIGNS", 8))
SERIES = int(os.environ.get("BACKUP_SERIES", 2))
BACKUPS = 30
# The reminder falls due LEAD seconds after the launch: after the backups, once the stack is stopped
# (launching and the first deliveries take longer the more runs there are).
LEAD = 20 + CAMPAIGNS // 2
SCHEDULE = {"collect_topics": f"PT{LEAD + 60}S", "train": "P7D", "design_plan": "P7D", "practise": "P7D",
            "reflect": "P7D"}
REMINDER = "PT60S"


def series_body(settings, n: int) -> dict:
    tomorrow = (datetime.now(settings.tz) + timedelta(days=1)).date()
    return {"title": f"周周有约 {n}", "weekday": tomorrow.isoweekday(), "start_time": "14:00", "end_time": "17:00",
            "term_start": tomorrow.isoformat(), "term_end": (tomorrow + timedelta(days=13)).isoformat()}


async def launch_all(settings, client: Client) -> None:
    async with api_client(settings, client) as api:
        token = (await api.post("/api/v1/auth/token", data={"username": "staff01", "password": DEMO_PASSWORD})).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        for n in range(CAMPAIGNS):
            answer = await api.post("/api/v1/campaigns", headers=headers, json={
                "title": f"春季教研 {n}", "cluster_ids": [1], "schedule": SCHEDULE, "reminder_offsets": [REMINDER]})
            assert answer.status_code == 201, answer.text
        for n in range(SERIES):
            answer = await api.post("/api/v1/clusters/1/series", headers=headers, json=series_body(settings, n))
            assert answer.status_code == 201, answer.text


async def backups_while_busy(settings) -> list:
    taken = []
    for _ in range(BACKUPS):
        taken.append(await asyncio.to_thread(archives.create, settings, label="busy"))  # integrity_check inside
        await asyncio.sleep(0.05)
    return taken


async def counts(session_factory) -> dict:
    async with session_factory() as session:
        return {
            "campaigns": await session.scalar(select(func.count()).select_from(Campaign)),
            "series": await session.scalar(select(func.count()).select_from(Series)),
            "inbox copies": Counter((await session.execute(
                select(InboxItem.notification_id, InboxItem.user_id))).all()),
            "reminder inbox": await session.scalar(
                select(func.count()).select_from(InboxItem).join(Notification).where(Notification.key.like("%:reminder:%"))),
            "reminder e-mails": await session.scalar(
                select(func.count()).select_from(Delivery).join(Notification).where(
                    Notification.key.like("%:reminder:%"), Delivery.channel == "email", Delivery.status == "sent")),
        }


async def runs(client: Client) -> Counter:
    """(workflow id, status) of every campaign and series execution, continued-as-new ones left out."""
    return Counter([(execution.id, execution.status) async for execution in client.list_workflows(
        "(WorkflowId STARTS_WITH 'campaign-' OR WorkflowId STARTS_WITH 'series-') AND ExecutionStatus != 'ContinuedAsNew'")])


async def failed_workflow_tasks(client: Client, workflow_ids) -> list[str]:
    failed = []
    for workflow_id in workflow_ids:
        async for event in client.get_workflow_handle(workflow_id).fetch_history_events():
            if event.HasField("workflow_task_failed_event_attributes"):
                failed.append(f"{workflow_id}: {event.workflow_task_failed_event_attributes.failure.message}")
    return failed


async def test_a_backup_taken_while_busy_restores_every_run_after_everything_stopped(settings, tmp_path):
    settings = settings.model_copy(update={"var_dir": tmp_path, "backup_dir": tmp_path / "backups", "backup_keep": 40,
                                           "quiet_hours_start": "00:00", "quiet_hours_end": "00:00"})
    await asyncio.to_thread(migrate, settings.database_url)
    engine = create_engine(settings.database_url)
    session_factory = create_session_factory(engine)
    async with session_factory() as session:
        await bootstrap_admin(session, username="admin", password=DEMO_PASSWORD)
        await load_demo_county(session, password=DEMO_PASSWORD)
        await session.commit()
    server = DevServer("backup-temporal", tmp_path / "temporal.db").start()
    settings.temporal_dev_port = server.port  # the restore's probe: nothing may answer there
    with mailbox_server() as (smtp_port, mail):
        settings.smtp_port = smtp_port
        worker = worker_process("backup-worker", settings, temporal_address=server.address)
        try:
            await server.ready()
            worker.start()
            await worker_ready(worker)
            client = await Client.connect(server.address, data_converter=pydantic_data_converter)
            taken, _ = await asyncio.gather(backups_while_busy(settings), launch_all(settings, client))
            await wait_for(lambda: len(mail.received) >= 40, timeout=60, what="openings being delivered")
            last = await asyncio.to_thread(archives.create, settings, label="busy")
            reminders_before_stop = sum(subject.startswith("提醒") for _, _, subject in mail.received)
            worker.stop()
            server.stop()
            mailed_before = len(mail.received)
            await engine.dispose()  # this test's connections too: nothing may hold the old file open

            manifest, safety = await asyncio.to_thread(restore, settings, last)
            await asyncio.to_thread(migrate, settings.database_url)  # what `make run` does first
            restored = await counts(session_factory)
            server.start()
            await server.ready()
            worker.start()
            await worker_ready(worker)
            client = await Client.connect(server.address, data_converter=pydantic_data_converter)
            members = 20  # cluster 1's teachers: each campaign reminds them all (nobody submitted)
            patience = 60 + 5 * CAMPAIGNS  # seconds: every run replays on a cold worker first
            await wait_for(lambda: _reminded(session_factory, CAMPAIGNS * members), timeout=patience,
                           what="every campaign's reminder in every inbox", every=0.5)
            await wait_for(lambda: _reminder_mail_sent(session_factory, CAMPAIGNS * members), timeout=patience,
                           what="every reminder e-mail sent", every=0.5)
            after = await counts(session_factory)
            executions = await runs(client)
            failed = await failed_workflow_tasks(client, {workflow_id for workflow_id, _ in executions})
            for workflow_id, _ in executions:
                await client.get_workflow_handle(workflow_id).terminate("test over")
        finally:
            worker.stop()
            server.stop()
            await engine.dispose()

    assert len(taken) == BACKUPS and all(archives.unpack_manifest(path).files for path in taken)
    assert manifest.alembic_revision == ScriptDirectory.from_config(Config(str(ROOT / "alembic.ini"))).get_current_head()
    assert safety is not None
    assert reminders_before_stop == 0  # the reminders were still ahead at the backup's instant
    assert restored["campaigns"] == after["campaigns"] == CAMPAIGNS  # none missing, none doubled
    assert restored["series"] == after["series"] == SERIES
    assert executions == Counter({(f"campaign-{n}", WorkflowExecutionStatus.RUNNING): 1 for n in range(1, CAMPAIGNS + 1)}
                                 | {(f"series-{n}", WorkflowExecutionStatus.RUNNING): 1 for n in range(1, SERIES + 1)})
    assert set(after["inbox copies"].values()) == {1}  # each notice once in each inbox
    assert after["reminder inbox"] == after["reminder e-mails"] == CAMPAIGNS * members
    reminder_mail = Counter((address, subject) for _, address, subject in mail.received[mailed_before:]
                            if subject.startswith("提醒"))
    assert sum(reminder_mail.values()) == CAMPAIGNS * members  # each reminder e-mail once
    assert failed == []


async def _reminded(session_factory, expected: int) -> bool:
    return (await counts(session_factory))["reminder inbox"] >= expected


async def _reminder_mail_sent(session_factory, expected: int) -> bool:
    return (await counts(session_factory))["reminder e-mails"] >= expected
