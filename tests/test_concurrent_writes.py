"""Teachers acting all at once on SQLite: every write is answered 2xx or a refusal, never a 500
("database is locked"), every 2xx is stored, and each write request commits once, with its
audit row (counted, never timed)."""

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import Engine

from contracts.campaigns.api import ProblemIn
from contracts.errors import Conflict
from db import create_engine, create_session_factory
from db.sqlite import CHECKPOINT_EVERY
from models import AuditEntry, CampaignMember, Problem, ProblemVector, Vote
from services.campaigns import service as campaigns
from tests.campaign_helpers import collecting_campaign, eventually
from tests.demo_database import demo_county_database
from tests.postgres import throwaway_postgres
from tests.sqlite_locks import held_by_another_process

WRITERS = 64


async def _count(session_factory, stmt) -> int:
    async with session_factory() as session:
        return await session.scalar(select(func.count()).select_from(stmt.subquery()))


async def test_64_concurrent_submits_and_votes_are_all_stored(api, login, session_factory):
    campaign_id = await collecting_campaign(session_factory)
    teachers = [await login(f"t{n:04d}") for n in range(1, 21)]  # cluster 1's teachers
    first = await api.post(f"/api/v1/campaigns/{campaign_id}/problems", json={"title": "学生写作文无话可写"},
                           headers=teachers[0])
    problem_id = first.json()["id"]

    def write(n: int):
        if n % 2:  # a vote by another teacher on the first problem (19 can, the rest are refused)
            return api.post(f"/api/v1/campaigns/{campaign_id}/problems/{problem_id}/votes",
                            headers=teachers[1 + n % 19])
        return api.post(f"/api/v1/campaigns/{campaign_id}/problems", json={"title": f"问题 {n}"},
                        headers=teachers[n % 20])

    answers = await asyncio.gather(*(write(n) for n in range(WRITERS)))
    statuses = [a.status_code for a in answers]
    assert all(status in (201, 409) for status in statuses), statuses
    problems = await _count(session_factory, select(Problem.id).where(Problem.campaign_id == campaign_id))
    votes = await _count(session_factory, select(Vote.user_id).where(Vote.problem_id == problem_id))
    audited = await _count(session_factory, select(AuditEntry.id).where(AuditEntry.subject_id == str(campaign_id)))
    assert problems == 1 + WRITERS // 2 and votes == 19 and statuses.count(201) == WRITERS // 2 + 19
    assert audited == 1 + statuses.count(201)


async def test_a_write_request_commits_once_with_its_audit_row(api, login, session_factory):
    campaign_id = await collecting_campaign(session_factory)
    submitted = await api.post(f"/api/v1/campaigns/{campaign_id}/problems", json={"title": "课堂提问没人举手"},
                               headers=await login("t0001"))
    problem_id = submitted.json()["id"]
    await eventually(lambda: _count(session_factory, select(ProblemVector.problem_id)))  # its own commit, later
    commits = []

    def committed(connection) -> None:
        commits.append(connection)

    event.listen(Engine, "commit", committed)
    try:
        answer = await api.post(f"/api/v1/campaigns/{campaign_id}/problems/{problem_id}/votes",
                                headers=await login("t0002"))
    finally:
        event.remove(Engine, "commit", committed)
    assert answer.status_code == 201 and len(commits) == 1
    async with session_factory() as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.route.endswith("/votes")))
    assert (entry.status_code, entry.subject_type, entry.subject_id) == (201, "campaigns", str(campaign_id))


async def test_writers_that_read_first_never_meet_a_stale_snapshot(settings, session_factory):
    engine = create_engine(settings.database_url)
    sessions = create_session_factory(engine)
    async with sessions() as session:
        await session.execute(text("CREATE TABLE tally (n INTEGER)"))
        await session.commit()

    async def read_then_write(n: int) -> None:
        async with sessions() as session:
            await session.execute(text("SELECT count(*) FROM tally"))
            await asyncio.sleep(0)  # let the others commit in between
            await session.execute(text("INSERT INTO tally VALUES (:n)"), {"n": n})
            await session.execute(text("SELECT count(*) FROM tally"))
            await session.commit()

    await asyncio.gather(*(read_then_write(n) for n in range(200)))
    async with sessions() as session:
        assert await session.scalar(text("SELECT count(*) FROM tally")) == 200
    await engine.dispose()


async def test_a_write_waiting_for_another_process_leaves_the_event_loop_free(settings, session_factory):
    """The first write of a transaction waits for SQLite's lock in the driver's thread; once it
    holds the lock, its statements and commit run on the loop (db/sqlite_driver.py). Another
    process holds the lock here until the loop has ticked while our write waits: a write that
    blocked the loop would never see the lock released (and fail after the busy timeout)."""
    async with held_by_another_process(settings) as lock:
        write_started = asyncio.Event()

        async def write() -> None:
            async with lock.sessions() as session:
                write_started.set()
                await session.execute(text("INSERT INTO tally VALUES (1)"))
                await session.execute(text("INSERT INTO tally VALUES (2)"))  # on the loop: the lock is ours
                assert await session.scalar(text("SELECT count(*) FROM tally")) == 2
                await session.commit()

        async def release_once_the_loop_has_ticked() -> None:
            await write_started.wait()
            for _ in range(20):
                await asyncio.sleep(0.01)
            lock.release()

        await asyncio.gather(write(), release_once_the_loop_has_ticked())
        async with lock.sessions() as session:
            assert await session.scalar(text("SELECT count(*) FROM tally")) == 2


async def _last_vote_race(session_factory) -> list[int]:
    """A teacher with one vote left sends two votes at once: the statuses they would get."""
    campaign_id = await collecting_campaign(session_factory)
    async with session_factory() as session:
        members = list(await session.scalars(select(CampaignMember).where(CampaignMember.campaign_id == campaign_id)
                                             .order_by(CampaignMember.user_id)))
        problems = [await campaigns.submit_problem(session, campaign_id=campaign_id, member=m,
                                                   data=ProblemIn(title=f"问题 {n}")) for n, m in enumerate(members[1:4])]
        await session.commit()
    voter = members[0]

    async def vote(problem: Problem, budget: int = 2) -> int:
        async with session_factory() as session:
            try:
                await campaigns.vote(session, problem=problem, member=voter, budget=budget)
                await session.commit()
                return 201
            except Conflict:
                return 409

    assert await vote(problems[0]) == 201
    return sorted(await asyncio.gather(vote(problems[1]), vote(problems[2])))


async def test_two_votes_at_once_cannot_both_take_the_last_one(session_factory, demo):
    assert await _last_vote_race(session_factory) == [201, 409]


@pytest.mark.postgres
async def test_two_votes_at_once_cannot_both_take_the_last_one_on_postgresql(settings):
    with throwaway_postgres() as url:
        async with demo_county_database(url) as sessions:
            assert await _last_vote_race(sessions) == [201, 409]


async def test_a_second_vote_for_the_same_problem_is_a_409_saying_so(api, login, session_factory):
    campaign_id = await collecting_campaign(session_factory)
    problem_id = (await api.post(f"/api/v1/campaigns/{campaign_id}/problems", json={"title": "学生不会审题"},
                                 headers=await login("t0001"))).json()["id"]
    voter = await login("t0002")
    url = f"/api/v1/campaigns/{campaign_id}/problems/{problem_id}/votes"
    at_once = await asyncio.gather(api.post(url, headers=voter), api.post(url, headers=voter))
    again = await api.post(url, headers=voter)
    assert sorted(a.status_code for a in at_once) == [201, 409] and again.status_code == 409
    assert "已经投过票" in again.json()["detail"]
    votes = await _count(session_factory, select(Vote.user_id).where(Vote.problem_id == problem_id))
    async with session_factory() as session:
        assert votes == 1 == (await session.get(Problem, problem_id)).votes


async def test_the_wal_is_checkpointed_off_the_event_loop(settings, session_factory):
    """Commits never checkpoint (they run on the loop); every CHECKPOINT_EVERY commits a thread
    copies the WAL into the database file, which grows by what was written."""
    engine = create_engine(settings.database_url)
    sessions = create_session_factory(engine)
    path = Path(engine.url.database)
    async with sessions() as session:
        await session.execute(text("CREATE TABLE pages (body TEXT)"))
        await session.commit()
    size_before = path.stat().st_size
    for n in range(CHECKPOINT_EVERY + 1):
        async with sessions() as session:
            await session.execute(text("INSERT INTO pages VALUES (:body)"), {"body": f"{n:04d}" * 500})
            await session.commit()

    async def checkpointed() -> bool:
        return path.stat().st_size >= size_before + CHECKPOINT_EVERY * 2000

    await eventually(checkpointed)
    await engine.dispose()
