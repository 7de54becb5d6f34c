"""A reminder to 10,000 teachers, three ways, in one run on the Temporal dev server:

1. this design: notify() with an audience → one publish activity writes the inbox rows in chunks;
2. one activity per teacher (bounded to 100 in flight over 4 workflows: one workflow alone would
   pass Temporal's history limit);
3. the same inbox rows inserted directly, without Temporal (the floor).

    .venv/bin/python -m benchmarks.bench_notifications [--teachers 10000]

Teachers have no e-mail and no robots here, so the figures measure publishing (inbox rows and
the notice record), the part every notice pays."""

import argparse
import asyncio
import logging
import time
import uuid

from sqlalchemy import func, insert, select
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from benchmarks.notification_bench_workflows import NotifyEachWorkflow, NotifyOnceWorkflow
from benchmarks.scratch import scratch_database
from contracts.directory.api import GradeBand, Role
from contracts.notifications.history import Audience, NotificationKind, NotifyRequest
from contracts.notifications.notices import EXAMPLES
from engine.connection import bundled_binary
from models import InboxItem, Notification, School, Teacher, User
from notifications import service
from services.directory.demo import load_demo_county
from worker import AUDIENCES, WORKFLOWS, activities_for, create_worker

CHUNK = 1000
PER_TEACHER_WORKFLOWS = 4
PER_TEACHER_IN_FLIGHT = 25  # per workflow: 100 in all, the steady rate measured in TOOLING.md


async def _bench_teachers(session, *, prefix: str) -> list[int]:
    return list(await session.scalars(select(User.id).where(User.username.startswith(prefix))))


BENCH_AUDIENCES = {**AUDIENCES, "bench.teachers": _bench_teachers}


async def add_teachers(session, *, count: int) -> list[int]:
    schools = list(await session.scalars(select(School.id).order_by(School.id)))
    first = (await session.scalar(select(func.max(User.id))) or 0) + 1
    users = [{"id": first + n, "username": f"bench{n:05d}", "role": Role.teacher, "display_name": f"教师{n:05d}",
              "phone": f"138{n:08d}", "subjects": ["语文"]} for n in range(count)]
    teachers = [{"staff_no": f"bench{n:05d}", "name": f"教师{n:05d}", "school_id": schools[n % len(schools)],
                 "grade_band": GradeBand.primary, "phone": f"138{n:08d}", "user_id": first + n} for n in range(count)]
    for model, rows in [(User, users), (Teacher, teachers)]:
        for start in range(0, len(rows), CHUNK):
            await session.execute(insert(model), rows[start : start + CHUNK])
    return [u["id"] for u in users]


def reminder(key: str, **recipients) -> NotifyRequest:
    return NotifyRequest(payload=EXAMPLES[NotificationKind.submission_reminder], key=key,
                         link="/console/campaigns/1/problems/new", campaign_id=1, **recipients)


async def inbox_rows(session_factory, key: str) -> int:
    async with session_factory() as session:
        return await session.scalar(
            select(func.count()).select_from(InboxItem).join(Notification).where(Notification.key == key)
        )


async def main(count: int) -> None:
    logging.basicConfig(level=logging.WARNING)
    settings, engine, session_factory = await scratch_database("bench-notify-")
    async with session_factory() as session:
        await load_demo_county(session, password="demo-pass")
        user_ids = await add_teachers(session, count=count)
        await session.commit()
    everyone = Audience(name="bench.teachers", params={"prefix": "bench"})
    print(f"{count} teachers in {settings.database_url}")

    env = await WorkflowEnvironment.start_local(dev_server_existing_path=bundled_binary("temporal"),
                                                data_converter=pydantic_data_converter, ui=False)
    figures: dict[str, float] = {}
    try:
        worker = create_worker(env.client, settings=settings, session_factory=session_factory,
                               workflows=[*WORKFLOWS, NotifyOnceWorkflow, NotifyEachWorkflow],
                               activities=activities_for(settings=settings, session_factory=session_factory,
                                                         audiences=BENCH_AUDIENCES))
        async with worker:
            key = "bench:design"
            started = time.perf_counter()
            await env.client.execute_workflow(NotifyOnceWorkflow.run, reminder(key, audience=everyone),
                                              id=f"bench-design-{uuid.uuid4()}", task_queue=settings.temporal_task_queue)
            figures["batched notify()"] = time.perf_counter() - started
            assert await inbox_rows(session_factory, key) == count

            key = "bench:per-teacher"
            shares = [user_ids[i::PER_TEACHER_WORKFLOWS] for i in range(PER_TEACHER_WORKFLOWS)]
            started = time.perf_counter()
            await asyncio.gather(*(
                env.client.execute_workflow(NotifyEachWorkflow.run, args=[reminder(key, user_ids=share),
                                                                          PER_TEACHER_IN_FLIGHT],
                                            id=f"bench-each-{uuid.uuid4()}", task_queue=settings.temporal_task_queue)
                for share in shares
            ))
            figures["one activity per teacher"] = time.perf_counter() - started
            assert await inbox_rows(session_factory, key) == count

        key = "bench:direct"
        started = time.perf_counter()
        async with session_factory() as session:
            await service.publish(session, request=reminder(key, audience=everyone), settings=settings,
                                  known_audiences=BENCH_AUDIENCES)
            await session.commit()
        figures["direct inserts, no Temporal"] = time.perf_counter() - started
        assert await inbox_rows(session_factory, key) == count
    finally:
        await env.shutdown()
        await engine.dispose()
        await asyncio.sleep(0.1)  # lets the dev server's process exit cleanly (shared/TOOLING.md)

    for name, seconds in figures.items():
        print(f"{name:32s} {seconds:8.2f} s   {count / seconds:9.0f} teachers/s")
    design, each, direct = figures.values()
    print(f"one activity per teacher / batched notify(): {each / design:.1f}x slower")
    print(f"batched notify() / direct inserts:          {design / direct:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teachers", type=int, default=10_000)
    asyncio.run(main(parser.parse_args().teachers))
