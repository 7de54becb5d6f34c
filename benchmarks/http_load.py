"""Load over real HTTP: a list of requests sent at most `concurrency` at a time on keep-alive
connections; what came back (statuses) and how fast (throughput, p50, p95)."""

import asyncio
import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    headers: dict[str, str]
    json: dict | None = None


@dataclass(frozen=True)
class Load:
    calls: int
    seconds: float
    latencies: list[float]
    statuses: Counter

    @property
    def per_s(self) -> float:
        return self.calls / self.seconds

    def percentile_ms(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[max(int(len(ordered) * fraction) - 1, 0)] * 1000

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies) * 1000

    @property
    def p95_ms(self) -> float:
        return self.percentile_ms(0.95)

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)


async def run(base_url: str, calls: list[Call], concurrency: int) -> Load:
    latencies: list[float] = []
    statuses: Counter = Counter()
    queue = iter(calls)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:

        async def user() -> None:  # one simulated client sending its requests one after another
            for call in queue:
                start = time.perf_counter()
                try:
                    response = await client.request(call.method, call.path, headers=call.headers, json=call.json)
                    statuses[response.status_code] += 1
                except httpx.TransportError:
                    statuses[599] += 1  # the connection failed: counts as a server error
                latencies.append(time.perf_counter() - start)

        start = time.perf_counter()
        await asyncio.gather(*(user() for _ in range(concurrency)))
        return Load(calls=len(calls), seconds=time.perf_counter() - start, latencies=latencies, statuses=statuses)


async def run_direct(call: Callable[[], Awaitable[object]], count: int, concurrency: int) -> Load:
    """The same load shape without HTTP: `call()` made `count` times, at most `concurrency` at a
    time, in this process (the baseline of a route: the call it makes, made directly)."""
    latencies: list[float] = []
    remaining = iter(range(count))

    async def user() -> None:
        for _ in remaining:
            start = time.perf_counter()
            await call()
            latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(user() for _ in range(concurrency)))
    return Load(calls=count, seconds=time.perf_counter() - start, latencies=latencies, statuses=Counter({200: count}))
