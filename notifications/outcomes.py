"""Recording what the channels answered, the moment they answer.

Sends finish one by one; while one write is in progress the next outcomes queue and go in the
following write together (group commit), so recording keeps pace with the channels without
holding anything back. A send counts as done only once it is written: until then it holds its
place among the sends in flight, which bounds how many messages a crash can leave sent but
unrecorded. If the database is gone, the accepted sends are kept in `unrecorded` for the caller
to hand on (the workflow carries them until a later activity can write them)."""

import asyncio
from collections import defaultdict
from dataclasses import dataclass

from contracts.notifications.history import DeliveryStatus
from db import SessionFactory
from models.base import utcnow
from notifications.leases import DATABASE_ERRORS, settled


@dataclass(eq=False)
class Outcome:
    delivery_ids: list[int]
    status: DeliveryStatus
    attempts: int = 1
    error: str = ""
    done: bool = False  # written, or (the database gone) handed to `unrecorded`


class Outcomes:
    def __init__(self, session_factory: SessionFactory) -> None:
        self.session_factory = session_factory
        self.unrecorded: list[int] = []  # sent, but the database would not take it
        self.error: str | None = None  # why the database would not
        self._queue: list[Outcome] = []
        self._lock = asyncio.Lock()

    async def record(self, outcome: Outcome) -> None:
        self._queue.append(outcome)
        async with self._lock:
            if outcome.done:  # went with an earlier write
                return
            batch, self._queue = self._queue, []
            if self.error is None:
                try:
                    await self._write(batch)
                except DATABASE_ERRORS as exc:
                    self.error = f"数据库不可用 (database unavailable): {exc!r}"[:500]
            if self.error is not None:
                # Failures are not worth carrying: their rows stay open and are tried again.
                self.unrecorded += [i for o in batch if o.status == DeliveryStatus.sent for i in o.delivery_ids]
            for queued in batch:
                queued.done = True

    async def _write(self, batch: list[Outcome]) -> None:
        alike: dict[tuple, list[int]] = defaultdict(list)
        for outcome in batch:
            alike[(outcome.status, outcome.attempts, outcome.error)] += outcome.delivery_ids
        now = utcnow()
        async with self.session_factory() as session:
            for (status, attempts, error), ids in alike.items():
                await session.execute(settled(ids, status, attempts=attempts, error=error, now=now))
            await session.commit()
