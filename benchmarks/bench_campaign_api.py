"""Teachers' actions through the campaign API on the Temporal dev server, for a 5,000-teacher
campaign: actions per second and p50/p95 latency, against the same actions as direct service calls
(same phase guard, one transaction each) in the same run.

    .venv/bin/python -m benchmarks.bench_campaign_api [--actions 1000] [--concurrency 8]
"""

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable

import httpx
from sqlalchemy import select
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from webapp import create_app
from benchmarks.big_county import add_teachers, problem_text
from benchmarks.scratch import scratch_database
from contracts.campaigns import ProblemIn
from contracts.search_attributes import ALL as SEARCH_ATTRIBUTES
from models import CampaignMember, Cluster, Problem, User
from services import campaigns
from services.accounts import bootstrap_admin
from services.demo import load_demo_county
from services.security import create_access_token
from engine.connection import bundled_binary
from worker import create_worker

TEACHERS = 5_000


async def _timed(calls: list[Callable[[], Awaitable[None]]], concurrency: int) -> tuple[float, list[float]]:
    """Run the calls, at most `concurrency` at a time: (seconds in all, latency of each)."""
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []

    async def one(call):
        async with gate:
            start = time.perf_counter()
            await call()
            latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(one(c) for c in calls))
    return time.perf_counter() - start, latencies


def _summary(name: str, seconds: float, latencies: list[float]) -> dict:
    ordered = sorted(latencies)
    return {"name": name, "actions": len(ordered), "per_s": len(ordered) / seconds,
            "p50_ms": statistics.median(ordered) * 1000, "p95_ms": ordered[int(len(ordered) * 0.95) - 1] * 1000}


async def main(actions: int, concurrency: int) -> None:
    settings, engine, session_factory = await scratch_database("bench-campaign-")
    async with session_factory() as session:
        await bootstrap_admin(session, username="admin", password="demo-pass")
        await load_demo_county(session, password="demo-pass")
        await add_teachers(session, count=TEACHERS)
        clusters = list(await session.scalars(select(Cluster.id)))
        staff = await session.scalar(select(User.id).where(User.username == "staff01"))
        await session.commit()

    env = await WorkflowEnvironment.start_local(dev_server_existing_path=bundled_binary("temporal"),
                                                search_attributes=SEARCH_ATTRIBUTES,
                                                data_converter=pydantic_data_converter, ui=False)
    try:
        app = create_app(settings, temporal=env.client)
        async with create_worker(env.client, settings=settings, session_factory=session_factory), \
                app.router.lifespan_context(app), \
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as api:
            def bearer(user_id: int) -> dict[str, str]:
                return {"Authorization": f"Bearer {create_access_token(user_id=user_id, settings=settings)}"}

            created = await api.post("/api/v1/campaigns", headers=bearer(staff), json={
                "title": "基准测试", "subject": "语文", "cluster_ids": clusters, "schedule": {"collect_topics": "P7D"}})
            assert created.status_code == 201, created.text
            cid = created.json()["id"]
            async with session_factory() as session:
                members = list(await session.scalars(select(CampaignMember).where(CampaignMember.campaign_id == cid)
                                                     .order_by(CampaignMember.user_id)))
            assert len(members) >= TEACHERS and len(members) >= 4 * actions
            api_side, direct_side = members[:actions], members[actions : 2 * actions]

            def via_api(n: int, member: CampaignMember):
                async def call():
                    response = await api.post(f"/api/v1/campaigns/{cid}/problems", headers=bearer(member.user_id),
                                              json={"title": problem_text(n)})
                    assert response.status_code == 201, response.text
                return call

            def direct(n: int, member: CampaignMember):
                async def call():
                    async with session_factory() as session:
                        await campaigns.submit_problem(session, campaign_id=cid, member=member,
                                                       data=ProblemIn(title=problem_text(n)))
                        await session.commit()
                return call

            def vote_api(member: CampaignMember, problem_id: int):
                async def call():
                    response = await api.post(f"/api/v1/campaigns/{cid}/problems/{problem_id}/votes",
                                              headers=bearer(member.user_id))
                    assert response.status_code == 201, response.text
                return call

            def vote_direct(member: CampaignMember, problem_id: int):
                async def call():
                    async with session_factory() as session:
                        problem = await session.get(Problem, problem_id)
                        await campaigns.vote(session, problem=problem, member=member, budget=5)
                        await session.commit()
                return call

            results = [_summary("submit via API", *await _timed(
                [via_api(n, m) for n, m in enumerate(api_side)], concurrency))]
            results.append(_summary("submit direct", *await _timed(
                [direct(n, m) for n, m in enumerate(direct_side)], concurrency)))
            async with session_factory() as session:
                problem_ids = list(await session.scalars(select(Problem.id).where(Problem.campaign_id == cid)))
            voters = members[2 * actions : 3 * actions], members[3 * actions : 4 * actions]
            results.append(_summary("vote via API", *await _timed(
                [vote_api(m, problem_ids[i]) for i, m in enumerate(voters[0])], concurrency)))
            results.append(_summary("vote direct", *await _timed(
                [vote_direct(m, problem_ids[i]) for i, m in enumerate(voters[1])], concurrency)))
            await api.post(f"/api/v1/campaigns/{cid}/cancel", headers=bearer(staff), json={"reason": "基准测试结束"})
    finally:
        await env.shutdown()
        await engine.dispose()
        await asyncio.sleep(0.1)  # lets the dev server's client finish before the interpreter exits

    print(f"\n{len(members)} teachers in scope, {actions} actions per row, concurrency {concurrency}\n")
    print("| path | actions | actions/s | p50 ms | p95 ms |")
    print("|---|---|---|---|---|")
    for r in results:
        print(f"| {r['name']} | {r['actions']} | {r['per_s']:.0f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} |")
    for kind in ("submit", "vote"):
        api_row, direct_row = (r for r in results if r["name"].startswith(kind))
        print(f"\n{kind}: API throughput is {api_row['per_s'] / direct_row['per_s']:.2f} × the direct service calls")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--actions", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(main(args.actions, args.concurrency))
