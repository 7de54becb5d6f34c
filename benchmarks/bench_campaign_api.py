"""A county's deadline rush, over real HTTP against the API as `make run` serves it, on SQLite and
on PostgreSQL (a throwaway server started here, as the migration test does): 5,000 teachers in
one campaign that already holds 20,000 actions; teachers submit and vote at 8 and 32 concurrent,
staff open the board and the run's timeline.

Every row is a product path next to its limit measured in the same run: benchmarks/bare_api.py,
the same statement or service call on the same stack and database, with nothing else.

    .venv/bin/python -m benchmarks.bench_campaign_api [--actions 600] [--backend sqlite] [--workers N]
"""

import argparse
import asyncio
import tempfile
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from temporalio.testing import WorkflowEnvironment

from benchmarks import http_load
from benchmarks.api_servers import serving
from benchmarks.big_county import add_actions, add_teachers, problem_text
from benchmarks.county_stack import api_settings, bearer, dev_server
from benchmarks.http_load import Call, Load
from config import Settings
from contracts import workflow_ids
from db import SessionFactory
from models import CampaignMember, Cluster, InboxItem, Problem, User
from scripts.run_stack import api_workers
from tests.demo_database import demo_county_database
from tests.postgres import throwaway_postgres
from worker import create_worker

TEACHERS = 5_000
CONCURRENCY = (8, 32)
READS = 200
WARM_UP = 20


@dataclass(frozen=True)
class Row:
    backend: str
    path: str
    concurrency: int
    api: Load
    bare: Load


@dataclass(frozen=True)
class Rush:
    """The campaign under load: its id, its members (user id, school id) and each one's problem."""

    campaign_id: int
    members: list[tuple[int, int]]
    problem_of: dict[int, int]
    staff_headers: dict[str, str]


@contextmanager
def sqlite_url():
    yield f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp(prefix='bench-rush-')) / 'bench.db'}"


@contextmanager
def postgresql_url():
    try:
        with throwaway_postgres() as url:
            yield url
    except pytest.skip.Exception:
        yield None


BACKENDS = {"sqlite": sqlite_url, "postgresql": postgresql_url}


async def prepare(sessions: SessionFactory, settings: Settings, api_url: str) -> Rush:
    """The county (the demo's + 5,000 teachers), the campaign launched through the API, its actions."""
    async with sessions() as session:
        await add_teachers(session, count=TEACHERS)
        clusters = list(await session.scalars(select(Cluster.id)))
        staff = await session.scalar(select(User.id).where(User.username == "staff01"))
        await session.commit()
    staff_headers = bearer(staff, settings)
    async with httpx.AsyncClient(base_url=api_url, timeout=120) as api:
        created = await api.post("/api/v1/campaigns", headers=staff_headers, json={
            "title": "截止前夜", "subject": "语文", "cluster_ids": clusters, "schedule": {"collect_topics": "P7D"}})
        assert created.status_code == 201, created.text
    campaign_id = created.json()["id"]
    async with sessions() as session:
        members = (await session.execute(select(CampaignMember.user_id, CampaignMember.school_id)
                                         .where(CampaignMember.campaign_id == campaign_id)
                                         .order_by(CampaignMember.user_id))).all()
        while await session.scalar(select(func.count()).select_from(InboxItem)) < len(members):
            await asyncio.sleep(0.5)  # the launch notice reaches every member's inbox before the load
        await add_actions(session, campaign_id=campaign_id)
        problem_of = dict((await session.execute(select(Problem.author_user_id, Problem.id)
                                                 .where(Problem.campaign_id == campaign_id))).all())
        await session.commit()
    return Rush(campaign_id, [tuple(m) for m in members], problem_of, staff_headers)


def teacher_calls(rush: Rush, settings: Settings, indexes: range, *, kind: str, api: bool) -> list[Call]:
    """A submit or a vote by each of these members: through the API with a token, or to the bare
    app with who is acting in the query."""
    cid, prefix, calls = rush.campaign_id, "/api/v1" if api else "", []
    for index in indexes:
        user_id, school_id = rush.members[index]
        headers = bearer(user_id, settings) if api else {}
        if kind == "submit":
            query = "" if api else f"?user_id={user_id}&school_id={school_id}"
            calls.append(Call("POST", f"{prefix}/campaigns/{cid}/problems{query}", headers,
                              {"title": problem_text(index)}))
        else:  # for the problem of the member four places on: not one's own, not voted for yet
            problem_id = rush.problem_of[rush.members[(index + 4) % len(rush.members)][0]]
            query = "" if api else f"?user_id={user_id}"
            calls.append(Call("POST", f"{prefix}/campaigns/{cid}/problems/{problem_id}/votes{query}", headers))
    return calls


async def measure(backend: str, rush: Rush, settings: Settings, api_url: str, bare_url: str, actions: int) -> list[Row]:
    rows = []

    async def pair(path: str, concurrency: int, api_calls: list[Call], bare_calls: list[Call]) -> None:
        await http_load.run(api_url, api_calls[:WARM_UP], concurrency)
        await http_load.run(bare_url, bare_calls[:WARM_UP], concurrency)
        api = await http_load.run(api_url, api_calls[WARM_UP:], concurrency)
        bare = await http_load.run(bare_url, bare_calls[WARM_UP:], concurrency)
        rows.append(Row(backend, path, concurrency, api, bare))
        print(format_row(rows[-1]), flush=True)

    block = actions + WARM_UP
    for kind in ("submit", "vote"):  # every member acts at most once per kind
        blocks = iter(range(0, len(rush.members) - block + 1, block))
        for concurrency in CONCURRENCY:
            api_side, bare_side = (range(start, start + block) for start in (next(blocks), next(blocks)))
            await pair(kind, concurrency, teacher_calls(rush, settings, api_side, kind=kind, api=True),
                       teacher_calls(rush, settings, bare_side, kind=kind, api=False))
    cid = rush.campaign_id
    board = Call("GET", f"/api/v1/campaigns/{cid}", rush.staff_headers)
    await pair("board (campaign detail)", CONCURRENCY[0], [board] * (READS + WARM_UP),
               [Call("GET", f"/campaigns/{cid}", {})] * (READS + WARM_UP))
    page = f"/runs/campaign-{cid}/timeline?limit=50"
    await pair("run timeline, first page", CONCURRENCY[0],
               [Call("GET", f"/api/v1{page}", rush.staff_headers)] * (READS // 4 + WARM_UP),
               [Call("GET", page, {})] * (READS // 4 + WARM_UP))
    return rows


async def bench_backend(backend: str, url: str, temporal: WorkflowEnvironment, actions: int, workers: int,
                        log_dir: Path) -> list[Row]:
    settings, env = api_settings(url, temporal)
    async with demo_county_database(url) as sessions, \
            create_worker(temporal.client, settings=settings, session_factory=sessions):
        with serving("webapp:app", env=env, workers=workers, log=log_dir / f"api-{backend}.log") as api_url:
            rush = await prepare(sessions, settings, api_url)
            try:
                with serving("benchmarks.bare_api:app", env=env, workers=workers,
                             log=log_dir / f"bare-{backend}.log") as bare_url:
                    return await measure(backend, rush, settings, api_url, bare_url, actions)
            finally:  # the next database's campaign gets the same workflow id
                await temporal.client.get_workflow_handle(workflow_ids.campaign(rush.campaign_id)).terminate()


def format_row(row: Row) -> str:
    api, bare = row.api, row.bare
    return (f"| {row.backend} | {row.path} | {row.concurrency} | {api.per_s:.0f} | {api.p50_ms:.0f} | "
            f"{api.p95_ms:.0f} | {api.server_errors} | {bare.per_s:.0f} | {bare.p50_ms:.0f} | {bare.p95_ms:.0f} | "
            f"**{api.per_s / bare.per_s:.2f}×** |")


async def main(actions: int, backends: list[str], workers: int | None) -> None:
    log_dir = Path(tempfile.mkdtemp(prefix="bench-rush-logs-"))
    print(f"\n{TEACHERS} teachers in one campaign with 20,000 actions; {actions} requests per row; logs in {log_dir}\n")
    print("| database | path | concurrent | API req/s | p50 ms | p95 ms | 5xx | bare req/s | bare p50 | bare p95 | "
          "API / bare |")
    print("|---|---|---|---|---|---|---|---|---|---|---|", flush=True)
    async with dev_server() as temporal:
        for backend in backends:
            with ExitStack() as stack:
                url = stack.enter_context(BACKENDS[backend]())
                if url is None:
                    print(f"| {backend} | skipped: server not installed (apt-get install postgresql) |")
                    continue
                await bench_backend(backend, url, temporal, actions, workers or api_workers(url), log_dir)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--actions", type=int, default=600)
    parser.add_argument("--backend", choices=list(BACKENDS), action="append")
    parser.add_argument("--workers", type=int, help="API processes (default: what make run starts)")
    args = parser.parse_args()
    asyncio.run(main(args.actions, args.backend or list(BACKENDS), args.workers))
