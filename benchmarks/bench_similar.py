"""The similar-problems list as a teacher types: p95 of one suggestion for a campaign of 5,000
problems (SQLite, the service the route calls: the freshness query, the typed text encoded, both
similarities, the shown problems read), against a bare vector lookup in the same run (the typed
text encoded and one product with the 5,000 stored vectors held in memory: no database, no
character similarity).

    .venv/bin/python -m benchmarks.bench_similar [--problems 5000] [--queries 300]
"""

import argparse
import asyncio
import random
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from benchmarks.bench_grouping import county
from models import Base, Campaign, Problem, ProblemVector
from services import sentence_vectors
from services.campaigns import similar
from tests import grouping_eval

CAMPAIGN_ID = 1


def typed(texts: list[str], count: int) -> list[str]:
    """What teachers have typed when the list is asked for: a title's first few characters or all of it."""
    pick = random.Random(count)
    titles = [p.title for p in grouping_eval.load(grouping_eval.DEV2) + grouping_eval.load(grouping_eval.DEV3)]
    return [(t := pick.choice(titles))[: pick.randint(4, len(t))] for _ in range(count)]


def p95(seconds: list[float]) -> float:
    return float(np.percentile(seconds, 95)) * 1000


async def main(size: int, queries: int) -> None:
    texts = county(size)
    vectors = sentence_vectors.encode(texts)
    with tempfile.TemporaryDirectory() as folder:
        engine = create_async_engine(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
            await connection.execute(insert(Campaign), [{"id": CAMPAIGN_ID, "title": "全县征集", "params": {},
                                                         "created_by": 1}])
            await connection.execute(insert(Problem), [
                {"id": n + 1, "campaign_id": CAMPAIGN_ID, "author_user_id": n % 500, "school_id": n % 40,
                 "title": t[:200], "description": t, "tags": []} for n, t in enumerate(texts)])
            await connection.execute(insert(ProblemVector), [{"problem_id": n + 1, "model": sentence_vectors.MODEL,
                                                              "vector": sentence_vectors.to_bytes(v)}
                                                             for n, v in enumerate(vectors)])
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        asked = typed(texts, queries)
        async with sessions() as session:
            start = time.perf_counter()
            await similar.index_of(session, campaign_id=CAMPAIGN_ID)
            built = time.perf_counter() - start
        suggestion, bare = [], []
        for text in asked:  # interleaved, so both see the same moments of a shared machine
            async with sessions() as session:
                start = time.perf_counter()
                await similar.similar_problems(session, campaign_id=CAMPAIGN_ID, text=text)
                suggestion.append(time.perf_counter() - start)
            start = time.perf_counter()
            scores = vectors @ sentence_vectors.encode([text])[0]
            np.argpartition(-scores, similar.SHOWN)[: similar.SHOWN]
            bare.append(time.perf_counter() - start)
        await engine.dispose()
    print(f"{size} problems: index built once in {built:.2f} s (again only when the live problems change); "
          f"suggestion p95 {p95(suggestion):.1f} ms (median {np.median(suggestion) * 1000:.1f} ms) over {queries} "
          f"typed texts; bare vector lookup p95 {p95(bare):.1f} ms; ratio {p95(suggestion) / p95(bare):.2f}x",
          flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    asyncio.run(main(args.problems, args.queries))
