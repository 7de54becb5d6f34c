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

from models import Resource, ResourceVector
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
    """Every resource's vector in one matrix (row i is resource ids[i]), and the words a query is
    matched against (title, description, tags: fixed when it is published), for this process."""

    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, sentence_vectors.DIM), sentence_vectors.DTYPE))
    words: list[str] = field(default_factory=list)
    last_row: int = 0
    _haystack: str = ""  # every row's words joined by NUL, searched at C speed
    _starts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def catch_up(self, session: AsyncSession) -> None:
        async with self._lock:
            rows = (await session.execute(
                select(ResourceVector.id, ResourceVector.resource_id, ResourceVector.vector, Resource.title,
                       Resource.description, Resource.tags)
                .join(Resource, Resource.id == ResourceVector.resource_id)
                .where(ResourceVector.id > self.last_row, ResourceVector.model == sentence_vectors.MODEL)
                .order_by(ResourceVector.id))).all()
            if not rows:
                return
            fresh = {row.resource_id: row for row in rows}
            kept = ~np.isin(self.ids, list(fresh))
            self.ids = np.concatenate([self.ids[kept], np.fromiter(fresh, dtype=np.int64)])
            self.matrix = np.vstack([self.matrix[kept],
                                     np.stack([sentence_vectors.from_bytes(r.vector) for r in fresh.values()])])
            self.words = [w for w, keep in zip(self.words, kept) if keep] + [
                " ".join([r.title, r.description, *r.tags]).lower() for r in fresh.values()]
            self.last_row = rows[-1].id
            self._haystack = "\0".join(self.words)
            self._starts = np.cumsum([0] + [len(w) + 1 for w in self.words[:-1]], dtype=np.int64)

    def nearest(self, vector: np.ndarray, *, limit: int, at_least: float) -> list[tuple[int, float]]:
        """(resource id, cosine) of the `limit` nearest resources at least `at_least` alike, nearest first."""
        return self._top(self.matrix @ vector if len(self.ids) else np.zeros(0), self.ids.size > 0, limit, at_least)

    def rank(self, vector: np.ndarray, *, words: str, bonus: float, limit: int, at_least: float,
             among: set[int] | None) -> list[tuple[int, float]]:
        """The `limit` best for a query: those containing its words first (cosine + `bonus`), then
        those at least `at_least` near in meaning; only resources in `among` when it is given."""
        if not len(self.ids):
            return []
        has_words = self._containing(words.lower().replace("\0", ""))
        scores = self.matrix @ vector + bonus * has_words
        eligible = has_words | (scores >= at_least)
        if among is not None:
            eligible &= np.isin(self.ids, np.fromiter(among, dtype=np.int64, count=len(among)))
        return self._top(scores, eligible, limit, float("-inf"))

    def _containing(self, needle: str) -> np.ndarray:
        """Which rows' words contain `needle`: found in the joined words, mapped back to their rows."""
        found = np.zeros(len(self.words), dtype=bool)
        position = self._haystack.find(needle) if needle else -1
        while position >= 0:
            row = int(np.searchsorted(self._starts, position, side="right")) - 1
            found[row] = True
            position = self._haystack.find(needle, int(self._starts[row + 1]) if row + 1 < len(self._starts) else
                                           len(self._haystack))
        return found

    def _top(self, scores: np.ndarray, eligible, limit: int, at_least: float) -> list[tuple[int, float]]:
        scores = np.where(eligible, scores, -np.inf)
        if not scores.size:
            return []
        top = np.argpartition(-scores, min(limit, scores.size - 1))[:limit]
        ranked = sorted(((int(self.ids[i]), float(scores[i])) for i in top), key=lambda hit: -hit[1])
        return [hit for hit in ranked if hit[1] >= at_least and hit[1] > -np.inf]


_INDEXES: "WeakKeyDictionary[object, VectorIndex]" = WeakKeyDictionary()


def index_for(session: AsyncSession) -> VectorIndex:
    """The matrix of the database this session talks to: one per engine, so per process."""
    return _INDEXES.setdefault(session.bind.sync_engine, VectorIndex())
