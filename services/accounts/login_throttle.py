"""Login throttling: failed attempts per username and per client address in moving windows (the
`limits` library). Kept in this process's memory: each API process counts on its own, and a
restart forgets; with N processes an attacker gets at most N times the allowance."""

import math
import time

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter


class LoginThrottle:
    """Every attempt counts against its username at once (so a burst of parallel guesses cannot
    outrun the count) and a success clears it. Against the address only failures count, so a
    school behind one NAT address can log in all morning; a burst across usernames can overshoot
    that count by the attempts in flight."""

    def __init__(self, *, per_username: str, per_address: str) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._per_username = parse_many(per_username)
        self._per_address = parse_many(per_address)

    def attempt(self, *, username: str, address: str) -> int:
        """Counts an attempt; 0 when it may go ahead, else the seconds until one may."""
        user_key, address_key = _username_key(username), ("address", address)
        blocked = [item for item in self._per_address if not self._limiter.test(item, *address_key)]
        if blocked:
            return self._wait(blocked, address_key)
        blocked = [item for item in self._per_username if not self._limiter.hit(item, *user_key)]
        return self._wait(blocked, user_key) if blocked else 0

    def failed(self, *, address: str) -> None:
        for item in self._per_address:
            self._limiter.hit(item, "address", address)

    def succeeded(self, *, username: str) -> None:
        for item in self._per_username:
            self._limiter.clear(item, *_username_key(username))

    def _wait(self, items: list[RateLimitItem], key: tuple[str, str]) -> int:
        now = time.time()
        return max(1, *(math.ceil(self._limiter.get_window_stats(item, *key).reset_time - now) for item in items))


def _username_key(username: str) -> tuple[str, str]:
    return "username", username.strip().lower()
