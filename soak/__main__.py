"""`python -m soak --seed N --db sqlite|postgres --profile short|term`: one soak, its report in
test-artifacts/soak/ (report.html, summary.md); exits 1 if a promise broke."""

import argparse
import asyncio
import random
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from config import ROOT
from contracts.directory.api import Role
from models import Cluster, Delivery, School, Teacher, User
from soak import faults, invariants, report
from soak.people import People
from soak.profile import PROFILES, Profile
from soak.programmes import PROGRAMMES
from soak.programmes.base import Result
from soak.stack import Stack

OUT = ROOT / "test-artifacts" / "soak"
CHECK_EVERY_TICKS = 10


@dataclass
class County:
    staff: int
    staff2: int
    admin: int
    clusters: list[int]
    organisers: dict[int, int]  # cluster → its organiser's user id
    teachers: list[int]


@dataclass
class Sample:
    at: float
    pending_deliveries: int
    running_tasks: int


@dataclass
class Soak:
    profile: Profile
    seed: int
    db: str
    out: Path = OUT
    samples: list[Sample] = field(default_factory=list)
    running_failures: list[Result] = field(default_factory=list)
    term_started: float = 0.0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.work = self.out / f"{self.profile.name}-{self.db}-seed{self.seed}"
        self.stack = Stack(self.profile, db=self.db, work=self.work)
        self.schedule = faults.Schedule.draw(self.profile.faults, term=self.profile.term_seconds,
                                             rng=random.Random(self.seed * 7919))
        self.programmes = [programme(random.Random(f"{self.seed}:{programme.name}")) for programme in PROGRAMMES]
        self.stack.operator_settings = {k: v for programme in PROGRAMMES for k, v in programme.settings.items()}
        self._tasks: set[asyncio.Task] = set()
        self.lines: list[str] = []

    def now(self) -> float:
        return self.stack.now()

    def log(self, text: str) -> None:
        line = f"{self.now():7.1f}s {text}"
        self.lines.append(line)
        print(line, flush=True)

    def spawn(self, coroutine) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.log(f"an actor failed: {task.exception()!r}")

    async def run(self) -> list[Result]:
        self.log(f"soak {self.profile.name} on {self.db}, seed {self.seed}: starting the stack")
        await self.stack.start()
        try:
            self.county = await read_county(self.stack)
            self.people = People(self.stack.api_url, self.stack.settings, self.now, self.rng)
            self.log(f"county: {len(self.county.teachers)} teachers, {len(self.county.clusters)} clusters; "
                     f"faults: {', '.join(f'{f.kind}@{f.at:.0f}s' for f in self.schedule.faults)}")
            self.term_started = self.now()
            for programme in self.programmes:
                await programme.setup(self)
            injecting = asyncio.create_task(faults.run(self.schedule, self))
            await self._ticks(until=self.term_started + self.profile.term_seconds + self.profile.drain_seconds)
            await injecting
            await self._settle()
            for task in list(self._tasks):
                task.cancel()
            results = await invariants.gather(self)
            for programme in self.programmes:
                results += await programme.invariants(self)
            results += self.running_failures
            await self.people.close()
            await report.write(self, results)
            return results
        finally:
            await self.stack.stop()

    async def _ticks(self, *, until: float) -> None:
        tick = 0
        while self.now() < until:
            started = self.now()
            await self._sample()
            for programme in self.programmes:
                await programme.act(self, self.now())
            tick += 1
            if tick % CHECK_EVERY_TICKS == 0:
                for programme in self.programmes:
                    self.running_failures += [r for r in await programme.check_now(self) if not r.ok]
            await asyncio.sleep(max(0.0, self.profile.tick_seconds - (self.now() - started)))

    async def _sample(self) -> None:
        try:
            async with self.stack.sessions() as session:
                pending = await session.scalar(select(func.count()).select_from(Delivery)
                                               .where(Delivery.status == "pending"))
        except Exception:  # noqa: BLE001 - the database may be the fault of the moment
            return
        self.samples.append(Sample(self.now(), pending, len(self._tasks)))

    async def _settle(self) -> None:
        """After the term, the people gone: until no delivery row is pending and every programme's
        runs have ended as set (or the profile's settle time)."""
        deadline = self.now() + self.profile.settle_seconds
        while self.now() < deadline:
            await self._sample()
            if self.samples and self.samples[-1].pending_deliveries == 0 \
                    and all([await programme.settled(self) for programme in self.programmes]):
                return
            await asyncio.sleep(1)


async def read_county(stack: Stack) -> County:
    async with stack.sessions() as session:
        users = dict((await session.execute(select(User.username, User.id).where(User.role != Role.teacher))).all())
        clusters = dict((await session.execute(
            select(Cluster.id, Cluster.organiser_user_id).order_by(Cluster.id))).all())
        teachers = list(await session.scalars(select(Teacher.user_id).join(School, School.id == Teacher.school_id)
                                              .where(Teacher.user_id.is_not(None)).order_by(Teacher.id)))
    return County(staff=users["staff01"], staff2=users["staff02"], admin=users["admin"], clusters=list(clusters),
                  organisers=clusters, teachers=teachers)


def _interrupted(*_) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--profile", choices=sorted(PROFILES), default="term")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupted)  # stopped from outside: the stack is stopped too
    started = time.monotonic()
    results = asyncio.run(Soak(PROFILES[args.profile], args.seed, args.db).run())
    broken = [r for r in results if not r.ok]
    for result in results:
        why = f" — {result.detail}" if result.detail and not result.ok else ""
        print(f"{'ok  ' if result.ok else 'FAIL'} {result.name}: {result.figure}{why}")
    print(f"{len(results) - len(broken)} of {len(results)} promises held; {time.monotonic() - started:.0f} s; "
          f"report: {OUT / 'report.html'}")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
