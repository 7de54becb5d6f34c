"""Resources found by meaning: each resource's sentence vector (the encoder the campaigns use for
problems, services/sentence_vectors.py), stored beside it and held, per process, in one matrix
that a query is compared with in a single product.

The matrix catches up with the database before each query by reading only the rows written since
(a new or re-encoded vector gets a new row id), so every API process sees every resource."""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import ResourceVector
from services import sentence_vectors

WORDS_ENCODED = 400  # characters of a document's words encoded beside its title and description


def resource_text(*, title: str, description: str, tags: Sequence[str], words: str) -> str:
    return " ".join(part for part in [title, description, *tags, words[:WORDS_ENCODED]] if part)


async def encode(texts: Sequence[str]) -> np.ndarray:
    return await asyncio.to_thread(sentence_vectors.encode, texts)


async def store(session: AsyncSession, *, resource_id: int, vector: np.ndarray) -> None:
    """Replace the resource's vector with a new row, which the other processes' matrices pick up."""
    await session.execute(delete(ResourceVector).where(ResourceVector.resource_id == resource_id))
    session.add(ResourceVector(resource_id=resource_id, model=sentence_vectors.MODEL,
                               vector=sentence_vectors.to_bytes(vector)))


@dataclass
class VectorIndex:
    """Every resource's vector in one matrix (row i is resource ids[i]), for this process."""

    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, sentence_vectors.DIM), sentence_vectors.DTYPE))
    last_row: int = 0
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def catch_up(self, session: AsyncSession) -> None:
        async with self._lock:
            rows = (await session.execute(
                select(ResourceVector.id, ResourceVector.resource_id, ResourceVector.vector)
                .where(ResourceVector.id > self.last_row, ResourceVector.model == sentence_vectors.MODEL)
                .order_by(ResourceVector.id))).all()
            if not rows:
                return
            fresh = {resource_id: vector for _, resource_id, vector in rows}
            kept = ~np.isin(self.ids, list(fresh))
            self.ids = np.concatenate([self.ids[kept], np.fromiter(fresh, dtype=np.int64)])
            self.matrix = np.vstack([self.matrix[kept], np.stack([sentence_vectors.from_bytes(v) for v in fresh.values()])])
            self.last_row = rows[-1][0]

    def nearest(self, vector: np.ndarray, *, limit: int, at_least: float) -> list[tuple[int, float]]:
        """(resource id, cosine) of the `limit` nearest resources at least `at_least` alike, nearest first."""
        if not len(self.ids):
            return []
        scores = self.matrix @ vector
        top = np.argpartition(-scores, min(limit, len(scores) - 1))[:limit]
        ranked = sorted(((int(self.ids[i]), float(scores[i])) for i in top), key=lambda hit: -hit[1])
        return [hit for hit in ranked if hit[1] >= at_least]


_INDEXES: "WeakKeyDictionary[object, VectorIndex]" = WeakKeyDictionary()


def index_for(session: AsyncSession) -> VectorIndex:
    """The matrix of the database this session talks to: one per engine, so per process."""
    return _INDEXES.setdefault(session.bind.sync_engine, VectorIndex())
