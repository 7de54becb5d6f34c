"""Failures `make soak` found, each pinned by a focused test of its own (README, Soak)."""

import asyncio

from notifications import leases


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
