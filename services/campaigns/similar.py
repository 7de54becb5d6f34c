"""The live problems most like the one a teacher is writing, shown while she types so she can
second one (附议) instead of raising it again.

Similar means what the grouping means (services/campaigns/topic_grouping.py): the mean of the
character n-gram TF-IDF cosine and the stored sentence vectors' cosine. Each API process keeps
one index per campaign (the vectorizer fitted on the live problems, their n-gram rows and
vectors) and builds it again when the live problems change (their count, last id or last edit:
`updated_at`, which votes leave alone), at most every REBUILD_SECONDS. A lookup then costs one small query, one encoding of
the typed text and two products: milliseconds for a county's 5,000 problems
(benchmarks/bench_similar.py)."""

import asyncio
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import TfidfVectorizer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Problem
from services import sentence_vectors
from services.campaigns import problem_vectors
from services.campaigns.service import live_problems
from services.campaigns.topic_grouping import char_ngrams

SHOWN = 5  # a phone's screen of suggestions
# Below this similarity a problem is not shown: chosen on the development sets, where with it the
# list shows a problem's own theme among its first three for 82–83 % of themed problems
# (benchmarks/bench_grouping.py) and nothing at all for most one-offs; without it, for 93–96 %,
# but every one-off is shown unrelated problems.
FLOOR = 0.3
CACHED_CAMPAIGNS = 16
REBUILD_SECONDS = 5.0  # the longest the list lags behind new problems while they keep coming


@dataclass(frozen=True)
class Index:
    ids: np.ndarray
    ngrams: TfidfVectorizer | None
    rows: csr_matrix | None = field(repr=False)
    vectors: np.ndarray = field(repr=False)

    @classmethod
    def build(cls, ids: list[int], texts: list[str], vectors: np.ndarray) -> "Index":
        if not ids:
            return cls(np.zeros(0, dtype=np.int64), None, None, np.zeros((0, sentence_vectors.DIM), np.float32))
        ngrams = char_ngrams().fit(sorted(set(texts)))
        return cls(np.asarray(ids), ngrams, ngrams.transform(texts), vectors)

    def nearest(self, text: str, vector: np.ndarray, *, shown: int = SHOWN, floor: float = FLOOR,
                leave_out: int | None = None) -> list[tuple[int, float]]:
        """(problem id, similarity), most similar first, at most `shown`, none under `floor`."""
        if not len(self.ids):
            return []
        typed = self.ngrams.transform([text]).toarray().ravel()  # dense: one sparse-by-dense product
        scores = 0.5 * (self.rows @ typed + self.vectors @ vector)
        if leave_out is not None:
            scores[self.ids == leave_out] = -np.inf
        top = np.argpartition(-scores, min(shown, len(scores) - 1))[:shown]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(self.ids[k]), float(scores[k])) for k in top if scores[k] >= floor]


@dataclass
class _Cached:
    state: tuple
    index: Index
    built: float  # time.monotonic()


# By database and campaign: a process may serve more than one database (the tests do).
_indexes: OrderedDict[tuple[str, int], _Cached] = OrderedDict()
_building: dict[tuple[str, int], asyncio.Lock] = {}


async def _state(session: AsyncSession, campaign_id: int) -> tuple:
    live = live_problems(campaign_id).subquery()
    return tuple((await session.execute(select(func.count(), func.max(live.c.id), func.max(live.c.updated_at)))).one())


async def index_of(session: AsyncSession, *, campaign_id: int) -> Index:
    """The campaign's index, built again if its live problems changed since, but at most once every
    REBUILD_SECONDS and by one request at a time: in a deadline rush every submission changes them,
    and a county's index takes a second of CPU to build. Meanwhile the list may miss the problems of
    the last few seconds (what it shows is read fresh: a withdrawn problem never, an edit as edited)."""
    key = (str(session.bind.url), campaign_id)
    state = await _state(session, campaign_id)
    cached = _indexes.get(key)
    if cached is not None and (cached.state == state or time.monotonic() - cached.built < REBUILD_SECONDS):
        _indexes.move_to_end(key)
        return cached.index
    async with _building.setdefault(key, asyncio.Lock()):
        cached = _indexes.get(key)
        if cached is not None and cached.state == state:  # another request built it meanwhile
            return cached.index
        index = await _build(session, campaign_id)
    _indexes[key] = _Cached(state, index, time.monotonic())
    _indexes.move_to_end(key)
    while len(_indexes) > CACHED_CAMPAIGNS:
        gone, _ = _indexes.popitem(last=False)
        _building.pop(gone, None)
    return index


async def _build(session: AsyncSession, campaign_id: int) -> Index:
    """Vectors not stored yet (the queue is about to) are encoded here and not stored: this is a read."""
    problems = (await session.scalars(live_problems(campaign_id).order_by(Problem.id))).all()
    stored = await problem_vectors.stored_of(session, campaign_id=campaign_id)
    texts = [problem_vectors.text_of(p) for p in problems]
    missing = [n for n, p in enumerate(problems) if p.id not in stored]
    encoded = dict(zip(missing, await asyncio.to_thread(sentence_vectors.encode, [texts[n] for n in missing])))
    vectors = np.stack([encoded[n] if n in encoded else sentence_vectors.from_bytes(stored[p.id])
                        for n, p in enumerate(problems)]) if problems else None
    return await asyncio.to_thread(Index.build, [p.id for p in problems], texts, vectors)


async def similar_problems(session: AsyncSession, *, campaign_id: int, text: str) -> list[Problem]:
    """The live problems most like `text`, most similar first."""
    index = await index_of(session, campaign_id=campaign_id)
    vector = (await asyncio.to_thread(sentence_vectors.encode, [text]))[0]
    found = [problem_id for problem_id, _ in index.nearest(text, vector)]
    problems = {p.id: p for p in await session.scalars(live_problems(campaign_id).where(Problem.id.in_(found)))}
    return [problems[p] for p in found if p in problems]
