"""100 clusters × an 18-week term of weekly sessions under the time-skipping server.

    .venv/bin/python -m benchmarks.bench_series [clusters] [weeks]

Prints the wall time and the largest history (events) of any run, following each series'
continue-as-new chain. Teachers have no e-mail here, so notices land in the inbox only."""

import asyncio
import sys
import time
from datetime import timedelta

from temporalio.client import WorkflowExecutionStatus
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from benchmarks.scratch import scratch_database
from contracts.directory.api import GradeBand, Role
from contracts.search_attributes import ALL as SEARCH_ATTRIBUTES
from contracts.series.api import SeriesIn
from engine import series as series_run
from engine.connection import add_search_attributes, bundled_binary
from models import Cluster, District, School, SchoolGroup, Teacher, User
from services.series.service import create_series
from worker import create_worker

SCHOOLS, TEACHERS = 4, 5


async def seed(session, clusters: int) -> tuple[User, list[int]]:
    district = District(name="压测区", code="bench")
    session.add(district)
    await session.flush()
    group = SchoolGroup(district_id=district.id, name="小学组", grade_band=GradeBand.primary)
    staff = User(username="bench-staff", role=Role.staff, display_name="压测教研员", password_hash="x")
    session.add_all([group, staff])
    await session.flush()
    cluster_ids = []
    for c in range(clusters):
        cluster = Cluster(school_group_id=group.id, name=f"片区{c}")
        session.add(cluster)
        await session.flush()
        for s in range(SCHOOLS):
            school = School(cluster_id=cluster.id, name=f"学校{c}-{s}")
            session.add(school)
            await session.flush()
            users = [User(username=f"b{c:03d}{s}{t}", role=Role.teacher, display_name="教师", password_hash="x")
                     for t in range(TEACHERS)]
            session.add_all(Teacher(staff_no=u.username, name=u.username, school_id=school.id, phone="13900000000",
                                    grade_band=GradeBand.primary, user=u) for u in users)
            await session.flush()
            school.contact_user_id = users[0].id
        cluster.organiser_user_id = staff.id
        cluster_ids.append(cluster.id)
    await session.flush()
    return staff, cluster_ids


async def run_to_completion(env: WorkflowEnvironment, workflow_ids: list[str]) -> set[str]:
    """Skip virtual time a day at a time until every run has closed; their statuses.
    (handle.result() across continue-as-new is unreliable on the time-skipping server.)"""
    while True:
        statuses = {(await env.client.get_workflow_handle(wid).describe()).status for wid in workflow_ids}
        if WorkflowExecutionStatus.RUNNING not in statuses:
            return {status.name for status in statuses}
        try:
            await env.sleep(timedelta(hours=6).total_seconds())
        except RPCError as exc:  # the sleep's deadline, under load: virtual time still moved on
            if "Timeout expired" not in exc.message:
                raise


async def history_lengths(client, workflow_id: str) -> list[int]:
    """Events per run, following the continue-as-new chain from the first run."""
    lengths, run_id = [], (await client.get_workflow_handle(workflow_id).describe()).run_id
    # Walk backwards from the last run through each run's first event (its predecessor).
    while run_id:
        events = [e async for e in client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history_events()]
        lengths.append(len(events))
        run_id = events[0].workflow_execution_started_event_attributes.continued_execution_run_id
    return lengths


async def run_term(clusters: int, weeks: int) -> tuple[float, list[list[int]]]:
    """One term for `clusters` series on a fresh server and database: (wall seconds, history
    lengths of every run of every series)."""
    settings, engine, factory = await scratch_database("bench-series-")
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=bundled_binary("temporal-test-server"), data_converter=pydantic_data_converter)
    await add_search_attributes(env.client, namespace=env.client.namespace, keys=SEARCH_ATTRIBUTES)
    try:
        now = await env.get_current_time()
        day = (now.astimezone(settings.tz) + timedelta(days=14)).date()
        term_start = day - timedelta(days=day.weekday())
        data = SeriesIn(title="周周有约", weekday=3, start_time="14:00", end_time="17:00", term_start=term_start,
                        term_end=term_start + timedelta(weeks=weeks, days=-1))
        async with factory() as session:
            staff, cluster_ids = await seed(session, clusters)
            all_series = [await create_series(session, cluster_id=cid, data=data, actor=staff, now=now, tz=settings.tz)
                          for cid in cluster_ids]
            await session.commit()
        started = time.monotonic()
        async with create_worker(env.client, settings=settings, session_factory=factory):
            for series in all_series:
                await series_run.start(env.client, settings=settings, series=series, started_by=staff.username)
            results = await run_to_completion(env, [s.workflow_id for s in all_series])
        wall = time.monotonic() - started
        assert results == {WorkflowExecutionStatus.COMPLETED.name}, results
        return wall, [await history_lengths(env.client, s.workflow_id) for s in all_series]
    finally:
        await env.shutdown()
        await engine.dispose()
        await asyncio.sleep(0.1)


async def main(clusters: int, weeks: int) -> None:
    """The baseline in the same run is one cluster's term: the ratio says what running many
    series side by side costs per series."""
    baseline, _ = await run_term(1, weeks)
    wall, lengths = await run_term(clusters, weeks)
    runs = sum(len(per_series) for per_series in lengths)
    print(f"one cluster × {weeks} weeks (baseline): {baseline:.1f} s")
    print(f"{clusters} clusters × {weeks} weeks ({clusters * weeks} sessions): {wall:.1f} s "
          f"= {wall / clusters:.2f} s per series, {wall / clusters / baseline:.2f}× the baseline per series")
    print(f"runs: {runs} ({runs / clusters:.1f} per series); largest history: "
          f"{max(max(per_series) for per_series in lengths)} events")

if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    asyncio.run(main(*(args + [100, 18][len(args):])))
