"""Per-robot sliding-window rate limit (WeCom and DingTalk: 20 messages a minute). Shared by all
delivery activities of one worker process; with several worker processes, give each a share
through ROBOT_RATE_PER_MINUTE."""

import asyncio
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable

WINDOW_SECONDS = 60.0


class RateLimiter:
    def __init__(self, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self._sent: dict[object, deque[float]] = defaultdict(deque)
        self._locks: dict[object, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._clock = clock
        self._sleep = sleep

    async def acquire(self, key: object, per_minute: int) -> None:
        """Wait until `key` may send once more, then count the send."""
        async with self._locks[key]:
            sent = self._sent[key]
            while True:
                now = self._clock()
                while sent and sent[0] <= now - WINDOW_SECONDS:
                    sent.popleft()
                if len(sent) < per_minute:
                    sent.append(now)
                    return
                await self._sleep(sent[0] + WINDOW_SECONDS - now)


ROBOT_LIMITER = RateLimiter()
