"""Login throttling: attempts per username and per client address in moving windows (the `limits`
library). Kept in this process's memory: each API process counts on its own, and a restart
forgets; with N processes an attacker gets at most N times the allowance."""

import math
import time

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter


class LoginThrottle:
    """Every attempt counts, against its address and its username, before its password is
    checked: `hit()` counts and refuses in one step, so a burst of parallel guesses is refused at
    the limit instead of being checked in full. A success clears its username's count (not its
    address's: one valid login must not buy an address more guesses)."""

    def __init__(self, *, per_username: str, per_address: str) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._per_username = parse_many(per_username)
        self._per_address = parse_many(per_address)

    def attempt(self, *, username: str, address: str) -> int:
        """Counts an attempt; 0 when it may go ahead, else the seconds until one may."""
        for items, key in ((self._per_address, ("address", address)), (self._per_username, _username_key(username))):
            blocked = [item for item in items if not self._limiter.hit(item, *key)]
            if blocked:
                return self._wait(blocked, key)
        return 0

    def succeeded(self, *, username: str) -> None:
        for item in self._per_username:
            self._limiter.clear(item, *_username_key(username))

    def _wait(self, items: list[RateLimitItem], key: tuple[str, str]) -> int:
        now = time.time()
        return max(1, *(math.ceil(self._limiter.get_window_stats(item, *key).reset_time - now) for item in items))


def _username_key(username: str) -> tuple[str, str]:
    return "username", username.strip().lower()
