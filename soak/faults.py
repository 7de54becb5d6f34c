"""The fault schedule of a soak, drawn from its seed: when each of the profile's faults strikes
(spread over the term, never two at once) and how long it lasts; injected against the stack and
logged with its times. The 5xx check forgives the windows of the faults that take a part of the
stack away from the API (Temporal, the API itself, the database); a worker's death or a burst of
writers must cost no 5xx at all."""

import asyncio
import random
from dataclasses import dataclass, field

from sqlalchemy import func, select

from models import Delivery
from soak import release
from workflows.notify import DeliverNotificationWorkflow

FORGIVEN = {"temporal_restart", "api_restart", "database_window"}  # 5xx allowed within (and SETTLE after)
SETTLE = 10.0  # seconds after a fault's end in which its 5xx are still its own
CRASHES = {"worker_kill", "worker_kill_fan_out", "temporal_restart", "release"}  # may resend what was in flight
MIN_GAP = 20.0
FAN_OUT_SENT, FAN_OUT_WAIT = 0.2, 30.0  # the fan-out kill: a fifth of the e-mails out, or 30 s after the first
FAN_OUT_LATEST = 120.0


@dataclass
class Fault:
    kind: str
    at: float  # planned, soak seconds after the term's start
    seconds: float  # how long it lasts (down time, lock time, burst length)
    started: float | None = None  # soak clock, as injected
    ended: float | None = None
    note: str = ""
    deliveries_in_flight: int = 0  # delivery runs open when it struck (the duplicate bound scales with them)


@dataclass
class Schedule:
    faults: list[Fault] = field(default_factory=list)

    @classmethod
    def draw(cls, kinds: tuple[str, ...], *, term: float, rng: random.Random) -> "Schedule":
        """Each fault at a time drawn in the term's middle 70 %, at least MIN_GAP apart; the fan-out kill
        strikes as soon as the first campaign's opening notice is being delivered."""
        timed = [kind for kind in kinds if kind != "worker_kill_fan_out"]
        rng.shuffle(timed)
        times: list[float] = []
        for _ in timed:
            for _attempt in range(1000):
                at = rng.uniform(0.15 * term, 0.85 * term)
                if all(abs(at - other) >= MIN_GAP for other in times):
                    break
            times.append(at)
        faults = [Fault(kind, at, _length(kind, rng)) for kind, at in zip(timed, sorted(times))]
        if "worker_kill_fan_out" in kinds:
            faults.insert(0, Fault("worker_kill_fan_out", 0.0, _length("worker_kill_fan_out", rng)))
        return cls(faults)

    def windows(self) -> list[tuple[float, float]]:
        """Soak-clock spans in which a 5xx is the fault's, not a bug."""
        return [(f.started, (f.ended or f.started) + SETTLE) for f in self.faults
                if f.kind in FORGIVEN and f.started is not None]

    def crashes(self) -> list[Fault]:
        return [f for f in self.faults if f.kind in CRASHES and f.started is not None]


def _length(kind: str, rng: random.Random) -> float:
    return {"temporal_restart": rng.uniform(3, 8), "database_window": rng.uniform(5, 12),
            "writers_burst": 10.0, "worker_kill": rng.uniform(1, 4), "worker_kill_fan_out": rng.uniform(1, 3)
            }.get(kind, 0.0)


async def run(schedule: Schedule, soak) -> None:
    """Inject each fault at its time (a task beside the people); logs each."""
    for fault in schedule.faults:
        if fault.kind == "worker_kill_fan_out":
            await _fan_out_started(soak)
        else:
            await asyncio.sleep(max(0.0, soak.term_started + fault.at - soak.now()))
        fault.started = soak.now()
        fault.deliveries_in_flight = await _deliveries_running(soak)
        soak.log(f"fault {fault.kind} begins ({fault.seconds:.1f} s; {fault.deliveries_in_flight} deliveries running)")
        await INJECT[fault.kind](soak, fault)
        fault.ended = soak.now()
        soak.log(f"fault {fault.kind} over after {fault.ended - fault.started:.1f} s {fault.note}")


async def _fan_out_started(soak) -> None:
    """Until the first campaign's opening fan-out is under way: its first e-mails sent, most still
    pending (FAN_OUT_SENT of them, or FAN_OUT_WAIT seconds after the first went out); at the latest
    FAN_OUT_LATEST seconds into the term, whatever has gone out (a worker that sends nothing is
    killed all the same, and the faults after it keep their times)."""
    first_sent = None
    while soak.now() - soak.term_started < FAN_OUT_LATEST:
        async with soak.stack.sessions() as session:
            counts = dict((await session.execute(
                select(Delivery.status, func.count()).where(Delivery.channel == "email")
                .group_by(Delivery.status))).all())
        sent, pending = counts.get("sent", 0), counts.get("pending", 0)
        if sent and first_sent is None:
            first_sent = soak.now()
        if pending and (sent >= FAN_OUT_SENT * (sent + pending)
                        or (first_sent is not None and soak.now() - first_sent > FAN_OUT_WAIT)):
            return
        await asyncio.sleep(0.05)


async def _deliveries_running(soak) -> int:
    query = f"WorkflowType = '{DeliverNotificationWorkflow.__name__}' AND ExecutionStatus = 'Running'"
    try:
        return (await soak.stack.client.count_workflows(query)).count
    except Exception:  # noqa: BLE001 - Temporal itself may be the fault
        return 0


async def _kill_worker(soak, fault: Fault) -> None:
    soak.stack.kill_workers()
    await asyncio.sleep(fault.seconds)
    await soak.stack.start_worker()


async def _restart_temporal(soak, fault: Fault) -> None:
    await soak.stack.restart_temporal(fault.seconds)


async def _restart_api(soak, fault: Fault) -> None:
    await soak.stack.restart_api()


async def _database_window(soak, fault: Fault) -> None:
    await soak.stack.database_window(fault.seconds)


async def _writers_burst(soak, fault: Fault) -> None:
    """64 teachers writing at once for the fault's seconds: each marks her inbox read, again and again."""
    writers = soak.rng.sample(soak.county.teachers, min(soak.profile.writers_burst, len(soak.county.teachers)))
    until = soak.now() + fault.seconds

    async def write(user: int) -> int:
        done = 0
        while soak.now() < until:
            await soak.people.call(user, "POST", "/me/notifications/read-all", who="burst", what="read_all")
            done += 1
        return done

    fault.note = f"({sum(await asyncio.gather(*(write(u) for u in writers)))} writes by {len(writers)} writers)"


async def _release(soak, fault: Fault) -> None:
    """Today's worker replaces the earlier release's (soak/release.py started the term on it)."""
    await release.upgrade(soak, fault)


INJECT = {"worker_kill": _kill_worker, "worker_kill_fan_out": _kill_worker, "temporal_restart": _restart_temporal,
          "api_restart": _restart_api, "database_window": _database_window, "writers_burst": _writers_burst,
          "release": _release}
