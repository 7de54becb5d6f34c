"""64 concurrent writers for 30 s against the API as `make run` serves SQLite (one process, the
dev server beside it): teachers of one campaign collecting problems submit, vote, edit and
withdraw their own problems over real HTTP. Every answer is counted by kind and status; then the
database is read: every 2xx must be there (problems, votes, edits' texts, withdrawals), and each
live problem's vote count must match its vote rows.

Done when: zero 5xx and every 2xx persisted (issue 12); the exit status is non-zero otherwise.
The limit beside the figures is the database itself: what it holds afterwards.

    .venv/bin/python -m benchmarks.bench_writers [--writers 64] [--seconds 30]
"""

import argparse
import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

import httpx
from sqlalchemy import select

from benchmarks.big_county import add_teachers, problem_text
from benchmarks.county_stack import bearer, Stack, dev_server, serving_api, sqlite_county
from contracts.campaigns.api import CampaignIn
from models import Cluster, Problem, User, Vote
from services.campaigns.service import create_campaign

TEACHERS_PER_WRITER = 30
# What a writer does next, in turn; what its teachers cannot do yet (no problem of theirs to edit,
# none of others' to vote for) becomes a submission.
ACTIONS = ["submit", "vote", "edit", "vote", "submit", "vote", "edit", "withdraw"]


@dataclass
class Ledger:
    """What the API acknowledged (2xx), to be found in the database afterwards."""

    answers: Counter = field(default_factory=Counter)  # (kind, status) → requests
    submitted: set[int] = field(default_factory=set)
    votes: set[tuple[int, int]] = field(default_factory=set)  # (voter user id, problem id)
    descriptions: dict[int, str] = field(default_factory=dict)  # problem id → its last acknowledged edit
    withdrawn: set[int] = field(default_factory=set)
    open_problems: list[int] = field(default_factory=list)  # submitted, not withdrawn: to vote for

    def server_errors(self) -> int:
        return sum(n for (_, status), n in self.answers.items() if status >= 500)


@dataclass
class Member:
    """A teacher of the campaign, acting through one writer."""

    user_id: int
    headers: dict[str, str]
    problems: list[int] = field(default_factory=list)  # hers, not withdrawn
    voted: set[int] = field(default_factory=set)


async def prepare(stack: Stack, teachers: int) -> tuple[int, list[Member]]:
    """The county with `teachers` more, and a campaign over all of it collecting problems,
    written by the service (no run: the teachers' actions read only the phase it stores)."""
    async with stack.sessions() as session:
        user_ids = await add_teachers(session, count=teachers)
        staff = await session.scalar(select(User).where(User.username == "staff01"))
        clusters = list(await session.scalars(select(Cluster.id)))
        campaign = await create_campaign(session, data=CampaignIn(title="截止前夜", cluster_ids=clusters), by=staff,
                                         now=datetime.now(timezone.utc))
        await session.commit()
        return campaign.id, [Member(user_id, bearer(user_id, stack.settings)) for user_id in user_ids]


async def write(client: httpx.AsyncClient, campaign_id: int, members: list[Member], ledger: Ledger,
                until: float, rng: random.Random) -> None:
    """One writer: its members' actions one request at a time, in the ACTIONS mix, until the time is up."""
    base = f"/api/v1/campaigns/{campaign_id}/problems"
    step = 0
    while time.monotonic() < until:
        kind = ACTIONS[step % len(ACTIONS)]
        step += 1
        authors = [m for m in members if m.problems]
        member = rng.choice(authors) if kind in ("edit", "withdraw") and authors else members[step % len(members)]
        targets = [p for p in ledger.open_problems[-200:] if p not in member.voted and p not in member.problems]
        if (kind in ("edit", "withdraw") and not member.problems) or (kind == "vote" and not targets):
            kind = "submit"
        problem_id = rng.choice(targets) if kind == "vote" else member.problems[-1] if member.problems else None
        text = f"第 {step} 次补充：{problem_text(step)}"
        request = {"submit": ("POST", base, {"title": problem_text(rng.randrange(10_000))}),
                   "vote": ("POST", f"{base}/{problem_id}/votes", None),
                   "edit": ("PATCH", f"{base}/{problem_id}", {"description": text}),
                   "withdraw": ("DELETE", f"{base}/{problem_id}", None)}[kind]
        try:
            response = await client.request(request[0], request[1], headers=member.headers, json=request[2])
            status = response.status_code
        except httpx.TransportError:
            status = 599  # the connection failed: counts as a server error
        ledger.answers[kind, status] += 1
        if not 200 <= status < 300:
            continue
        if kind == "submit":
            problem_id = response.json()["id"]
            member.problems.append(problem_id)
            ledger.submitted.add(problem_id)
            ledger.open_problems.append(problem_id)
        elif kind == "vote":
            member.voted.add(problem_id)
            ledger.votes.add((member.user_id, problem_id))
        elif kind == "edit":
            ledger.descriptions[problem_id] = text
        else:
            member.problems.remove(problem_id)
            ledger.withdrawn.add(problem_id)
            ledger.open_problems.remove(problem_id)


async def lost_writes(stack: Stack, campaign_id: int, ledger: Ledger) -> Counter:
    """Acknowledged writes the database does not show, by kind (and vote counters that disagree
    with the vote rows). A vote for a problem withdrawn since is gone by design."""
    async with stack.sessions() as session:
        problems = {p.id: p for p in await session.scalars(select(Problem).where(Problem.campaign_id == campaign_id))}
        votes = set((await session.execute(select(Vote.user_id, Vote.problem_id)
                                           .where(Vote.campaign_id == campaign_id))).all())
    votes_of = Counter(problem_id for _, problem_id in votes)
    return Counter(
        {"submit": sum(p not in problems for p in ledger.submitted),
         "vote": sum(v not in votes for v in ledger.votes if v[1] not in ledger.withdrawn),
         "edit": sum(problems[p].description != text for p, text in ledger.descriptions.items()),
         "withdraw": sum(problems[p].withdrawn_at is None for p in ledger.withdrawn),
         "vote count": sum(p.votes != votes_of[p.id] for p in problems.values() if p.withdrawn_at is None)})


async def main(writers: int, seconds: float) -> bool:
    async with dev_server() as temporal, sqlite_county(temporal, prefix="bench-writers") as stack:
        campaign_id, teachers = await prepare(stack, writers * TEACHERS_PER_WRITER)
        ledger = Ledger()
        limits = httpx.Limits(max_connections=writers, max_keepalive_connections=writers)
        with serving_api(stack) as api_url:
            async with httpx.AsyncClient(base_url=api_url, limits=limits, timeout=60) as client:
                start = time.monotonic()
                await asyncio.gather(*(
                    write(client, campaign_id, teachers[n::writers], ledger, start + seconds, random.Random(n))
                    for n in range(writers)))
                elapsed = time.monotonic() - start
        lost = await lost_writes(stack, campaign_id, ledger)

    print(f"\n{writers} writers for {seconds:.0f} s on SQLite, {len(teachers)} teachers in one collecting campaign\n")
    print("| request | requests | req/s | 2xx | 4xx | 5xx | 2xx not in the database |")
    print("|---|---|---|---|---|---|---|")
    for kind in ("submit", "vote", "edit", "withdraw"):
        by_class = Counter()
        for (done, status), n in ledger.answers.items():
            if done == kind:
                by_class[status // 100] += n
        total = sum(by_class.values())
        print(f"| {kind} | {total} | {total / elapsed:.0f} | {by_class[2]} | {by_class[4]} | {by_class[5]} | "
              f"{lost[kind]} |")
    passed = ledger.server_errors() == 0 and not +lost
    print(f"| live problems whose vote count disagrees with their votes | | | | | | {lost['vote count']} |")
    print(f"\nzero 5xx and every 2xx persisted: {'**yes**' if passed else '**NO**'}", flush=True)
    return passed


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--writers", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    raise SystemExit(0 if asyncio.run(main(args.writers, args.seconds)) else 1)
