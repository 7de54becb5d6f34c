"""A burst of wrong-password logins from one address while `/health` is probed every 50 ms, over
real HTTP against the API as `make run` serves SQLite (the default limits: 50 failures a minute per
address). Against: /health probed the same way for as long, with no burst, in the same run.

Done when: /health p95 under 100 ms during the burst, and no answer is a 5xx (issue 26). The verdict
is printed; the exit status is non-zero only when something answered a 5xx or the limit was missed.

    .venv/bin/python -m benchmarks.bench_login_flood [--burst 200]
"""

import argparse
import asyncio
import time
from collections import Counter

import httpx

from benchmarks.county_stack import dev_server, serving_api, sqlite_county

PROBE_EVERY_S = 0.05
LIMIT_HEALTH_MS = 100


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(int(len(ordered) * 0.95) - 1, 0)]


async def probe_health(client: httpx.AsyncClient, until: asyncio.Future | float) -> tuple[list[float], Counter]:
    """/health's answer times (ms) and statuses until `until` is done (or that many seconds pass)."""
    deadline = until if isinstance(until, float) else None
    times, statuses = [], Counter()
    while not (until.done() if deadline is None else time.monotonic() > deadline):
        started = time.perf_counter()
        statuses[(await client.get("/api/v1/health")).status_code] += 1
        times.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(PROBE_EVERY_S)
    return times, statuses


async def main(burst_size: int) -> int:
    async with dev_server() as temporal, sqlite_county(temporal, prefix="login-flood") as stack:
        with serving_api(stack) as base_url:
            limits = httpx.Limits(max_connections=None)
            async with httpx.AsyncClient(base_url=base_url, timeout=120, limits=limits) as attacker, \
                    httpx.AsyncClient(base_url=base_url, timeout=120) as prober:
                await prober.get("/api/v1/health")  # warm: the first answer opens the Temporal client
                started = time.monotonic()
                burst = asyncio.gather(*(attacker.post("/api/v1/auth/token",
                                                       data={"username": f"nobody{n}", "password": "guess"})
                                         for n in range(burst_size)))
                during, during_statuses = await probe_health(prober, burst)
                answers = Counter(answer.status_code for answer in await burst)
                burst_s = time.monotonic() - started
                quiet, quiet_statuses = await probe_health(prober, time.monotonic() + max(burst_s, 3.0))
    fives = sum(n for status, n in (answers + during_statuses).items() if status >= 500)
    print(f"burst of {burst_size} wrong-password logins from one address: {dict(answers)} in {burst_s:.2f} s")
    print(f"/health during the burst: p95 {p95(during):.1f} ms, max {max(during):.1f} ms "
          f"({len(during)} probes, {dict(during_statuses)})")
    print(f"/health with no burst:    p95 {p95(quiet):.1f} ms, max {max(quiet):.1f} ms "
          f"({len(quiet)} probes, {dict(quiet_statuses)})")
    print(f"ratio (p95 during / p95 quiet): {p95(during) / p95(quiet):.2f}×")
    ok = fives == 0 and p95(during) < LIMIT_HEALTH_MS
    print(f"verdict: {'met' if ok else 'NOT met'} (p95 under {LIMIT_HEALTH_MS} ms, no 5xx: {fives} seen)")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--burst", type=int, default=200)
    raise SystemExit(asyncio.run(main(parser.parse_args().burst)))
