"""Failures `make soak` found, each pinned by a focused test of its own (README, Soak). One
more lives beside what it pins: a step's heartbeat (tests/test_step_heartbeats.py)."""

import asyncio

from sqlalchemy import text

from tests.sqlite_locks import held_by_another_process


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
