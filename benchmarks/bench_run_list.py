"""The run list with 1,000 live campaigns on the Temporal dev server: `GET /api/v1/runs` (first
page, staff and admin alternately) over real HTTP at 8 concurrent, against the visibility calls
the route makes (`count_workflows` and one page of `list_workflows`) made directly in the same run.

The campaigns are started by the call the API's launch makes (engine/campaigns.py `start`, the
same workflow, id and search attributes), on a task queue no worker polls: each run stays
RUNNING, as a campaign waiting for its deadline does, without 1,000 launches' notices to deliver.
The list reads visibility only, where these runs look exactly like launched ones.

Done when: p95 under 50 ms (issue 12); the verdict is printed, the exit status is non-zero only
when a request failed (figures vary with the machine; a failed request does not).

    .venv/bin/python -m benchmarks.bench_run_list [--campaigns 1000] [--requests 400]
"""

import argparse
import asyncio
import uuid

from temporalio.client import Client

from benchmarks import http_load
from benchmarks.county_stack import bearer, dev_server, serving_api, sqlite_county, user_id
from benchmarks.http_load import Call
from config import Settings
from contracts import workflow_ids
from contracts.campaigns.history import CampaignParams, Phase
from engine import campaigns as campaign_runs
from engine import runs
from models import Campaign

CONCURRENCY = 8
PAGE = 50
LIMIT_P95_MS = 50
WARM_UP = 20
STARTING = 32  # workflow starts in flight at once
CLUSTERS = 4  # the demo county's


async def start_campaigns(client: Client, settings: Settings, *, count: int, staff_id: int) -> None:
    """`count` live campaign runs, started as a launch starts them, on a queue nobody polls."""
    nobody_polls = settings.model_copy(update={"temporal_task_queue": f"idle-{uuid.uuid4()}"})
    params = CampaignParams().model_dump(mode="json")
    free = asyncio.Semaphore(STARTING)

    async def start(campaign_id: int) -> None:
        campaign = Campaign(id=campaign_id, title=f"活动 {campaign_id}", subject="语文", phase=Phase.collect_topics,
                            params=params, created_by=staff_id, workflow_id=workflow_ids.campaign(campaign_id))
        async with free:
            await campaign_runs.start(client, settings=nobody_polls, campaign=campaign,
                                      cluster_ids=[1 + campaign_id % CLUSTERS], started_by="staff01")

    await asyncio.gather(*(start(n) for n in range(1, count + 1)))
    query = runs.visibility_query(runs.RunFilters(status="Running"))
    while (await client.count_workflows(query)).count < count:  # visibility is eventually consistent
        await asyncio.sleep(0.2)


async def main(campaigns: int, requests: int) -> bool:
    async with dev_server() as temporal, sqlite_county(temporal, prefix="bench-run-list") as stack:
        await start_campaigns(temporal.client, stack.settings, count=campaigns, staff_id=await user_id(stack, "staff01"))
        viewers = [bearer(await user_id(stack, name), stack.settings) for name in ("staff01", "admin")]
        listing = [Call("GET", f"/api/v1/runs?limit={PAGE}", viewers[n % 2]) for n in range(WARM_UP + requests)]
        query = runs.visibility_query(runs.RunFilters())

        async def bare_visibility() -> None:
            await temporal.client.count_workflows(query)
            async for _ in temporal.client.list_workflows(query, limit=PAGE, page_size=PAGE):
                pass

        with serving_api(stack) as api_url:
            first = await http_load.run(api_url, listing[:1], 1)
            assert first.statuses == {200: 1}, f"the run list answered {first.statuses}; see {stack.log_dir}"
            await http_load.run(api_url, listing[:WARM_UP], CONCURRENCY)
            api = await http_load.run(api_url, listing[WARM_UP:], CONCURRENCY)
        await http_load.run_direct(bare_visibility, WARM_UP, CONCURRENCY)
        bare = await http_load.run_direct(bare_visibility, requests, CONCURRENCY)

    answered = api.statuses == {200: requests}
    fast = api.p95_ms < LIMIT_P95_MS
    print(f"\n{campaigns} live campaign runs on the dev server; {requests} requests at {CONCURRENCY} concurrent\n")
    print("| path | runs | API req/s | p50 ms | p95 ms | non-200 | bare req/s | bare p50 | bare p95 | API / bare | "
          f"p95 < {LIMIT_P95_MS} ms |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    print(f"| run list, first page of {PAGE} | {campaigns} | {api.per_s:.0f} | {api.p50_ms:.0f} | {api.p95_ms:.0f} | "
          f"{requests - api.statuses[200]} | {bare.per_s:.0f} | {bare.p50_ms:.0f} | {bare.p95_ms:.0f} | "
          f"**{api.per_s / bare.per_s:.2f}×** | {'**yes**' if fast else '**NO**'} |", flush=True)
    return answered


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--campaigns", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    raise SystemExit(0 if asyncio.run(main(args.campaigns, args.requests)) else 1)
