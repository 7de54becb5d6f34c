"""Each problem's stored sentence vector: encoded once when it is submitted or edited, read when
collection closes. Encoding runs in a worker thread, so requests and heartbeats keep flowing."""

import asyncio
from collections.abc import Sequence

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from models import Problem, ProblemVector
from services import sentence_vectors

CHUNK = 500  # rows per INSERT (three parameters each), well under every database's bound on parameters


async def encode(texts: Sequence[str]) -> list[bytes]:
    vectors = await asyncio.to_thread(sentence_vectors.encode, texts)
    return [sentence_vectors.to_bytes(v) for v in vectors]


def text_of(problem: Problem) -> str:
    return sentence_vectors.problem_text(problem.title, problem.description, problem.tags)


async def store(session: AsyncSession, *, vectors: dict[int, bytes]) -> None:
    """Insert or replace, in one statement: another API process may store the same problem's
    vector at the same moment (its edit queued it there)."""
    if not vectors:
        return
    upsert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[session.bind.dialect.name]
    stmt = upsert(ProblemVector).values([{"problem_id": problem_id, "model": sentence_vectors.MODEL, "vector": vector}
                                         for problem_id, vector in vectors.items()])
    await session.execute(stmt.on_conflict_do_update(index_elements=[ProblemVector.problem_id],
                                                     set_={"model": stmt.excluded.model, "vector": stmt.excluded.vector}))


async def forget(session: AsyncSession, *, problem_id: int) -> None:
    await session.execute(delete(ProblemVector).where(ProblemVector.problem_id == problem_id))


async def stored_of(session: AsyncSession, *, campaign_id: int) -> dict[int, bytes]:
    """The campaign's stored vectors of the current model, by problem id."""
    return dict((await session.execute(
        select(ProblemVector.problem_id, ProblemVector.vector).join(Problem, Problem.id == ProblemVector.problem_id)
        .where(Problem.campaign_id == campaign_id, ProblemVector.model == sentence_vectors.MODEL))).all())


async def vectors_of(session: AsyncSession, *, campaign_id: int, problems: Sequence[Problem]) -> dict[int, np.ndarray]:
    """The problems' vectors; those missing or from another model (rows written in bulk, problems
    from before vectors were stored) are encoded now and stored."""
    stored = await stored_of(session, campaign_id=campaign_id)
    missing = [p for p in problems if p.id not in stored]
    encoded = list(zip([p.id for p in missing], await encode([text_of(p) for p in missing])))
    for start in range(0, len(encoded), CHUNK):
        await store(session, vectors=dict(encoded[start : start + CHUNK]))
    stored.update(encoded)
    return {p.id: sentence_vectors.from_bytes(stored[p.id]) for p in problems}
