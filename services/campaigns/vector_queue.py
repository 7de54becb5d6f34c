"""Problems waiting for their sentence vector, encoded after the answer to the teacher has left.

A submission or an edit commits the problem and queues its id here; one task per API process
takes what has queued, encodes it in one batch in a worker thread and stores the vectors. A
teacher's request therefore costs no encoder run, and problems that arrive together during a
deadline rush are encoded together. An edit deletes the stored vector in its own transaction, so
a vector never outlives the text it was computed from.

The queue lives in the process's memory: what a killed process had not encoded yet is encoded
when collection closes (problem_vectors.vectors_of), and a failed batch is logged and left to the
same path. It is a head start for the grouping, never the only way a vector is made."""

import asyncio
import logging
from collections.abc import Iterable

from sqlalchemy import select

from db import SessionFactory
from models import Problem
from services import sentence_vectors
from services.campaigns import problem_vectors

log = logging.getLogger(__name__)

BATCH = 64  # problems encoded in one call to the encoder


class VectorQueue:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions
        self._due: dict[int, None] = {}  # problem ids in arrival order, each once
        self._arrived = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()

    def add(self, problem_id: int) -> None:
        """Called once the problem's transaction has committed."""
        self._due[problem_id] = None
        self._idle.clear()
        self._arrived.set()

    async def run(self) -> None:
        """Runs for the process's life (started by the API's lifespan). The encoder is loaded first,
        while the process starts, rather than in the middle of the first submissions."""
        await asyncio.to_thread(sentence_vectors.load)
        while True:
            await self._arrived.wait()
            self._arrived.clear()
            while self._due:
                batch = list(self._due)[:BATCH]
                for problem_id in batch:
                    del self._due[problem_id]
                try:
                    await self._encode(batch)
                except Exception:  # noqa: BLE001 - collection close encodes what is still missing
                    log.exception("sentence vectors for problems %s left to collection close", batch)
            self._idle.set()

    async def drained(self) -> None:
        """Waits until everything queued so far has been encoded (tests)."""
        await self._idle.wait()

    async def _encode(self, problem_ids: Iterable[int]) -> None:
        async with self._sessions() as session:
            texts = await _texts(session, problem_ids)
        vectors = await problem_vectors.encode(list(texts.values()))  # no transaction open meanwhile
        async with self._sessions() as session:
            await problem_vectors.store(session, vectors=dict(zip(texts, vectors)))
            # Read after the write: this transaction holds the write lock (SQLite) or the vector rows
            # (PostgreSQL, where an edit's delete of them waits for this commit), so an edit has
            # either landed already and is seen here, or deletes what is stored here after it.
            now = await _texts(session, texts)
            for problem_id in [p for p, text in texts.items() if now.get(p) != text]:
                await problem_vectors.forget(session, problem_id=problem_id)  # the edit queued it again
            await session.commit()


async def _texts(session, problem_ids: Iterable[int]) -> dict[int, str]:
    problems = await session.scalars(select(Problem).where(Problem.id.in_(list(problem_ids)),
                                                           Problem.withdrawn_at.is_(None)))
    return {p.id: problem_vectors.text_of(p) for p in problems}
