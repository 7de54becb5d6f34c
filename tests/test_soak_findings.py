"""Failures `make soak` found, each pinned by a focused test of its own (README, Soak)."""

import asyncio

from sqlalchemy import text

from notifications import leases
from tests.sqlite_locks import held_by_another_process


async def test_a_drain_waiting_for_the_database_still_heartbeats(monkeypatch):
    """Found by the term soak on SQLite: with forty notices delivering at once, a drain's renewal
    waited for the write lock longer than its lease; the heartbeat, sent from the same loop, waited
    with it, so Temporal cancelled the drain and retried it from scratch, over and over (the
    opening fan-out to 5,000 teachers sent 234 e-mails in eight minutes). The worker is alive:
    its heartbeat must not wait for the database."""
    beats = []
    monkeypatch.setattr(leases, "_heartbeat", lambda: beats.append(1))

    class WaitingForTheLock(leases.Leases):
        async def renew(self) -> None:
            await asyncio.sleep(3600)  # another writer holds SQLite's lock

        async def release(self) -> None:
            pass

    async with leases.kept(WaitingForTheLock(session_factory=None, seconds=0.2)):
        await asyncio.sleep(0.5)  # ten heartbeat periods
    assert len(beats) >= 5


async def test_a_read_is_answered_while_thirty_writers_wait_for_sqlite(settings):
    """Found by the term soak on SQLite: thirty organisers planning their series at once, while
    the worker stored a notice to 5,000 teachers, held every connection of the API's pool waiting
    for the write lock (writers wait their turn holding their connection: db/sqlite.py), and a
    plain read then waited 30 s for a connection and answered 500. The pool holds more
    connections than writers queue: the read is answered while they wait."""
    async with held_by_another_process(settings) as lock:  # the worker, storing a big notice
        sessions = lock.sessions

        async def write(n: int) -> None:
            async with sessions() as session:
                await session.execute(text("INSERT INTO tally VALUES (:n)"), {"n": n})
                await session.commit()

        writers = [asyncio.create_task(write(n)) for n in range(30)]
        await asyncio.sleep(0.2)  # every writer holds a connection, waiting its turn
        try:
            async with sessions() as session:
                assert await asyncio.wait_for(session.scalar(text("SELECT count(*) FROM tally")), 10) == 0
        finally:
            lock.release()
        await asyncio.gather(*writers)
        async with sessions() as session:
            assert await session.scalar(text("SELECT count(*) FROM tally")) == 30
