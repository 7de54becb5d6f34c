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

Rules: `act` must return quickly (start slow work as tasks with `soak.spawn(coroutine)`); a
programme's people keep acting through faults (a refused or unanswered request is recorded, not
raised); `invariants` returns `Result`s, each with a figure a reader can check."""

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    name: str  # what is promised, in words
    ok: bool
    figure: str  # the measured figure behind the verdict, e.g. "0 of 2,131 rows pending"
    detail: str = ""  # on failure: the first offenders, enough to start looking


class Programme:
    name = "programme"

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

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
