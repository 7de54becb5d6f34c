"""`make backup` at two sizes: the demo county (60 teachers) and a 5,000-teacher county with a term
of records: TERM_NOTICES notices reaching every teacher (an inbox copy and an e-mail delivery each,
~20 weeks of announcements, reminders and digests) and TERM_RUNS runs in Temporal's database (each
a delivery of TERM_BATCHES batches: Temporal's database grows with runs, not with teachers, since
bulky data stays in the app's). The baseline, measured in the same run, is a plain file copy of the
same two files (what an online backup must not be: it can tear): the figure is the ratio.

    .venv/bin/python -m benchmarks.bench_backup"""

import asyncio
import shutil
import sqlite3
import tempfile
import time
import uuid
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from benchmarks.backup_bench_workflows import TermRunWorkflow, deliver_batch
from benchmarks.big_county import add_teachers
from config import Settings
from db import create_engine, create_session_factory
from engine.connection import bundled_binary
from scripts.bootstrap import migrate
from services.accounts.service import bootstrap_admin
from services.backups import archive as archives
from services.backups.targets import app_db_file, temporal_db_file
from services.directory.demo import load_demo_county

TERM_NOTICES, TERM_RUNS, TERM_BATCHES = 60, 300, 3


async def app_database(settings: Settings, teachers: int) -> None:
    await asyncio.to_thread(migrate, settings.database_url)
    engine = create_engine(settings.database_url)
    async with create_session_factory(engine)() as session:
        await bootstrap_admin(session, username="admin", password="bench-pass")
        await load_demo_county(session, password="bench-pass")
        if teachers > 60:
            await add_teachers(session, count=teachers - 60)
        await session.commit()
    await engine.dispose()
    with closing(sqlite3.connect(app_db_file(settings))) as db:  # a term of notices, in bulk
        users = [row[0] for row in db.execute("SELECT id FROM users WHERE role = 'teacher'")]
        now = datetime.now(UTC).isoformat()
        for n in range(TERM_NOTICES):
            notice = db.execute(
                "INSERT INTO notifications (key, kind, data, link, recipient_count, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (f"bench:{n}", "task_overdue", '{"title": "第%d周联片教研提醒"}' % n, "/console", len(users), now)).lastrowid
            db.executemany("INSERT INTO inbox_items (notification_id, user_id, kind, title, body, link, created_at) "
                           "VALUES (?, ?, 'task_overdue', ?, ?, '/console', ?)",
                           [(notice, user, f"第{n}周联片教研提醒", "请按时参加本周联片教研活动并签到。", now)
                            for user in users])
            db.executemany("INSERT INTO notification_deliveries (notification_id, user_id, channel, status, digest, "
                           "attempts, sent_at, created_at, updated_at) VALUES (?, ?, 'email', 'sent', 0, 1, ?, ?, ?)",
                           [(notice, user, now, now, now) for user in users])
        db.commit()


async def temporal_database(path: Path) -> None:
    env = await WorkflowEnvironment.start_local(dev_server_existing_path=bundled_binary("temporal"), ui=False,
                                                dev_server_extra_args=["--db-filename", str(path),
                                                                       "--sqlite-pragma", "journal_mode=wal"])
    queue = f"bench-{uuid.uuid4()}"
    async with Worker(env.client, task_queue=queue, workflows=[TermRunWorkflow], activities=[deliver_batch]):
        await asyncio.gather(*(env.client.execute_workflow(TermRunWorkflow.run, TERM_BATCHES, id=f"term-{n}",
                                                           task_queue=queue) for n in range(TERM_RUNS)))
    await env.shutdown()
    await asyncio.sleep(0.1)


def measure(settings: Settings) -> dict:
    started = time.perf_counter()
    archive = archives.create(settings, label="bench")
    took = time.perf_counter() - started
    copies = Path(tempfile.mkdtemp(prefix="jiaoyan-copy-"))
    started = time.perf_counter()
    for source in (temporal_db_file(settings), app_db_file(settings)):
        shutil.copyfile(source, copies / source.name)
    copied = time.perf_counter() - started
    shutil.rmtree(copies)
    return {"app MB": app_db_file(settings).stat().st_size / 1e6,
            "temporal MB": temporal_db_file(settings).stat().st_size / 1e6,
            "archive MB": archive.stat().st_size / 1e6, "backup s": took, "copy s": copied}


async def county(teachers: int) -> dict:
    var = Path(tempfile.mkdtemp(prefix="jiaoyan-bench-backup-"))
    settings = Settings(_env_file=None, environment="test", var_dir=var,
                        database_url=f"sqlite+aiosqlite:///{var / 'jiaoyan.db'}")
    await app_database(settings, teachers)
    await temporal_database(temporal_db_file(settings))
    figures = await asyncio.to_thread(measure, settings)
    shutil.rmtree(var)
    return figures


async def main() -> None:
    for teachers in (60, 5000):
        f = await county(teachers)
        print(f"{teachers:>5} teachers: app {f['app MB']:.1f} MB + Temporal {f['temporal MB']:.1f} MB -> archive "
              f"{f['archive MB']:.1f} MB; backup {f['backup s']:.2f} s (snapshots, integrity_check, gzip, sha256) = "
              f"{f['backup s'] / f['copy s']:.0f}x a plain file copy ({f['copy s']:.3f} s)", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
