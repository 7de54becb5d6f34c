"""The plug-in interface of a programme in the soak. A programme is one class, listed in
`soak/programmes/__init__.py` (one line each):

    class Mentoring(Programme):
        name = "mentoring"

        async def setup(self, soak):       # term start: staff create the records over HTTP
            ...
        async def act(self, soak, now):    # every tick: the programme's people do what they would
            ...
        async def settled(self, soak):     # optional: the end waits until this is true
            ...
        async def invariants(self, soak):  # at the end (and `check_now` while it runs)
            return [Result("每对师徒都有运行 pairs have their runs", ok, f"{n} pairs")]

What a programme gets in `soak` (soak/__main__.py, `Soak`):

- `soak.people`: `await soak.people.call(user_id, "POST", "/path", who="teacher", what="vote",
  json={...}, ack=("table", {"column": value or lambda body: body["id"]}))` — one HTTP request as
  that user; the response is recorded (status, latency) for the report and the 5xx check, and a
  2xx write with `ack` must be found in the database at the end. `soak.people.rng` is the seeded
  random source: draw every choice from it (or from `self.rng`) so a seed replays the same term.
  `soak.people.twice_at_once(lambda: soak.people.call(...))` sends the same request twice at once.
- `soak.county`: ids of the directory (`staff`, `admin`, `clusters` → their teachers' user ids,
  `organisers`), read once at start.
- `soak.profile`: sizes and lengths (soak/profile.py); `soak.term_seconds`.
- `soak.stack.sessions()`: a database session, for reading state (never for writing: people write
  over HTTP); `soak.stack.client`: the Temporal client; `soak.log(text)`: a line in the run's log.
- `now`: seconds since the term started (the soak's compressed clock).
- `notices_keyed(session, "exchange:")`: the notices whose key starts so, each as a `Sent` (key, kind,
  data, when composed, to whom): what a programme's reminder checks judge. `first(items)`: the
  first offenders, for a `Result`'s detail. `soak.people.call(..., content=b"...")` sends a raw body.
- `Programme.settings`: operator settings (config/__init__.py) the programme's timeline needs to fit
  the term, given to the API and the worker alike (e.g. a check-in window closing at the end).

Rules: `act` must return quickly (start slow work as tasks with `soak.spawn(coroutine)`); a
programme's people keep acting through faults (a refused or unanswered request is recorded, not
raised); `invariants` returns `Result`s, each with a figure a reader can check."""

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from models import InboxItem, Notification


@dataclass(frozen=True)
class Result:
    name: str  # what is promised, in words
    ok: bool
    figure: str  # the measured figure behind the verdict, e.g. "0 of 2,131 rows pending"
    detail: str = ""  # on failure: the first offenders, enough to start looking


class Programme:
    name = "programme"
    # Operator settings (config/__init__.py) its timeline needs to fit the term, given to the API and
    # the worker alike, e.g. {"checkin_tour_stop_closes_minutes_after": 0}: settings, never code paths.
    settings: dict[str, object] = {}

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._steps: dict[object, asyncio.Task] = {}

    def step_once(self, soak, key: object, step: Callable[[], Awaitable[None]]) -> None:
        """Starts `step()` unless the step started under `key` on an earlier tick is still running:
        a slow step (a request waiting through a fault) is never doubled by the next tick."""
        running = self._steps.get(key)
        if running is None or running.done():
            self._steps[key] = soak.spawn(step())

    async def setup(self, soak) -> None:
        """At term start, staff create the programme's records over HTTP."""

    async def act(self, soak, now: float) -> None:
        """Called every tick: the programme's people do what they would at `now`."""

    async def settled(self, soak) -> bool:
        """After the term: whether the programme's runs have reached what its people set them to
        (the end waits for it, within the profile's settle time, before judging)."""
        return True

    async def check_now(self, soak) -> list[Result]:
        """Checked while the term runs (every few ticks); failures are kept for the report."""
        return []

    async def invariants(self, soak) -> list[Result]:
        """Checked at the end, after the drain."""
        return []


def first(items, n: int = 5) -> str:
    """The first few offenders of a failed check, for its detail."""
    items = list(items)
    return ", ".join(str(i) for i in items[:n]) + (f" … ({len(items)} in all)" if len(items) > n else "")


@dataclass(frozen=True)
class Sent:
    """A notice as the database holds it: what it was (its key names its object), when it was
    composed, to whom (its inbox rows). Programmes judge their reminders from these."""

    key: str
    kind: str
    data: dict
    at: datetime
    user_ids: frozenset[int]


async def notices_keyed(session, prefix: str) -> list[Sent]:
    """Every notice whose key starts with `prefix` (e.g. "exchange:"), oldest first."""
    rows = (await session.execute(select(Notification, InboxItem.user_id)
                                  .outerjoin(InboxItem, InboxItem.notification_id == Notification.id)
                                  .where(Notification.key.startswith(prefix)).order_by(Notification.id))).all()
    users: dict[int, set[int]] = {}
    notices: dict[int, Notification] = {}
    for notice, user in rows:
        notices[notice.id] = notice
        users.setdefault(notice.id, set()).update([user] if user is not None else [])
    return [Sent(n.key, str(n.kind), n.data or {}, n.created_at, frozenset(users[i])) for i, n in notices.items()]
