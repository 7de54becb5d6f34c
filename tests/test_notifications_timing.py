"""Quiet hours, the digest clock and the robots' rate limit, without servers."""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from notifications.channels.ratelimit import RateLimiter
from notifications.timing import next_daily, quiet_until

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize("at, until", [
    (local(18, 23), local(19, 7)),  # before midnight: the end is tomorrow morning
    (local(19, 2, 30), local(19, 7)),  # after midnight: this morning
    (local(18, 22), local(19, 7)),  # the start is inside
    (local(18, 7), None),  # the end is outside
    (local(18, 12), None),
])
def test_quiet_hours_wrap_midnight(at, until):
    assert quiet_until(at, tz=SHANGHAI, start="22:00", end="07:00") == until


def test_quiet_hours_within_a_day_and_switched_off():
    assert quiet_until(local(18, 13), tz=SHANGHAI, start="12:00", end="14:00") == local(18, 14)
    assert quiet_until(local(18, 23), tz=SHANGHAI, start="00:00", end="00:00") is None


def test_next_digest_time():
    assert next_daily(local(18, 10), tz=SHANGHAI, hhmm="18:00") == local(18, 18)
    assert next_daily(local(18, 19), tz=SHANGHAI, hhmm="18:00") == local(19, 18)
    assert next_daily(local(18, 10), tz=SHANGHAI, hhmm="18:00").tzinfo == timezone.utc


async def test_rate_limit_spreads_the_21st_message_to_the_next_minute():
    now = [0.0]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(clock=lambda: now[0], sleep=sleep)
    for _ in range(20):
        await limiter.acquire("robot-1", 20)
        now[0] += 1
    await limiter.acquire("robot-2", 20)  # another robot has its own budget
    assert waits == []
    await limiter.acquire("robot-1", 20)
    assert waits == [pytest.approx(40.0)] and now[0] == pytest.approx(60.0)
