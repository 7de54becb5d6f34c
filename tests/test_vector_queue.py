"""Sentence vectors are encoded after the teacher's answer (services/campaigns/vector_queue.py): a submission
through the API gets its vector; an edit replaces it, also when the edit lands while the old text
is being encoded; a failing encoder loses no later problem."""

import asyncio

import numpy as np

from contracts.campaigns.api import ProblemUpdate
from models import Problem, ProblemVector
from services.campaigns import service as campaigns
from services import sentence_vectors
from services.campaigns import problem_vectors
from services.campaigns.vector_queue import VectorQueue
from tests.campaign_helpers import collecting_campaign, eventually


async def _stored(session_factory, problem_id: int) -> np.ndarray | None:
    async with session_factory() as session:
        row = await session.get(ProblemVector, problem_id)
        return None if row is None else sentence_vectors.from_bytes(row.vector)


async def _has_vector(session_factory, problem_id: int) -> bool:
    return await _stored(session_factory, problem_id) is not None


def _same(vector: np.ndarray | None, text: str) -> bool:
    return vector is not None and float(vector @ sentence_vectors.encode([text])[0]) > 0.999


async def test_a_submission_through_the_api_gets_its_vector_after_the_answer(api, login, session_factory):
    campaign_id = await collecting_campaign(session_factory)
    answer = await api.post(f"/api/v1/campaigns/{campaign_id}/problems", json={"title": "学生不敢开口说英语"},
                            headers=await login("t0001"))
    assert answer.status_code == 201, answer.text
    problem_id = answer.json()["id"]
    await eventually(lambda: _has_vector(session_factory, problem_id))
    assert _same(await _stored(session_factory, problem_id), "学生不敢开口说英语")

    edited = await api.patch(f"/api/v1/campaigns/{campaign_id}/problems/{problem_id}", json={"title": "化学方程式配平总出错"},
                             headers=await login("t0001"))
    assert edited.status_code == 200, edited.text

    async def encoded_again():
        return _same(await _stored(session_factory, problem_id), "化学方程式配平总出错")

    await eventually(encoded_again)


async def test_an_edit_while_the_old_text_is_encoded_never_leaves_the_old_vector(
        api, login, session_factory, monkeypatch):
    campaign_id = await collecting_campaign(session_factory)
    teacher = await login("t0001")
    problem_id = (await api.post(f"/api/v1/campaigns/{campaign_id}/problems", json={"title": "作业量大学生负担重"},
                                 headers=teacher)).json()["id"]
    await eventually(lambda: _has_vector(session_factory, problem_id))
    queue = VectorQueue(session_factory)
    encode = problem_vectors.encode

    async def encode_while_the_teacher_edits(texts):
        vectors = await encode(texts)
        async with session_factory() as session:  # the edit commits between the encoding and its store
            problem = await session.get(Problem, problem_id)
            await campaigns.edit_problem(session, problem=problem, data=ProblemUpdate(title="课堂提问没人举手"))
            await session.commit()
        return vectors

    monkeypatch.setattr(problem_vectors, "encode", encode_while_the_teacher_edits)
    worker = asyncio.create_task(queue.run())
    try:
        queue.add(problem_id)
        await queue.drained()
        assert await _stored(session_factory, problem_id) is None  # the edit dropped it; the stale one is not kept
        monkeypatch.setattr(problem_vectors, "encode", encode)
        queue.add(problem_id)  # what the edit's action does once committed
        await queue.drained()
        assert _same(await _stored(session_factory, problem_id), "课堂提问没人举手")
    finally:
        worker.cancel()


async def test_a_failing_batch_is_logged_and_the_next_one_is_encoded(api, login, session_factory, monkeypatch, caplog):
    campaign_id = await collecting_campaign(session_factory)
    teacher = await login("t0001")
    first, second = [(await api.post(f"/api/v1/campaigns/{campaign_id}/problems", json={"title": title},
                                     headers=teacher)).json()["id"] for title in ("听课记录流于形式", "实验课器材不够")]
    await eventually(lambda: _has_vector(session_factory, second))
    queue = VectorQueue(session_factory)
    encode = problem_vectors.encode

    async def fails_once(texts):
        monkeypatch.setattr(problem_vectors, "encode", encode)
        raise RuntimeError("encoder crashed")

    async with session_factory() as session:
        await problem_vectors.forget(session, problem_id=first)
        await problem_vectors.forget(session, problem_id=second)
        await session.commit()
    monkeypatch.setattr(problem_vectors, "encode", fails_once)
    worker = asyncio.create_task(queue.run())
    try:
        queue.add(first)
        await queue.drained()
        queue.add(second)
        await queue.drained()
    finally:
        worker.cancel()
    assert await _stored(session_factory, first) is None and "left to collection close" in caplog.text
    assert _same(await _stored(session_factory, second), "实验课器材不够")


async def test_two_processes_storing_the_same_problem_at_once_both_succeed(
        api, login, session_factory, caplog, monkeypatch):
    """An edit through one API process and the submission's queue in another: both store it."""
    campaign_id = await collecting_campaign(session_factory)
    problem_id = (await api.post(f"/api/v1/campaigns/{campaign_id}/problems", json={"title": "课堂纪律难以维持"},
                                 headers=await login("t0001"))).json()["id"]
    await eventually(lambda: _has_vector(session_factory, problem_id))
    async with session_factory() as session:  # as after an edit: neither process finds a row to update
        await problem_vectors.forget(session, problem_id=problem_id)
        await session.commit()
    encode, both_encoded = problem_vectors.encode, asyncio.Barrier(2)

    async def encode_side_by_side(texts):  # both go on to store at the same moment
        vectors = await encode(texts)
        await both_encoded.wait()
        return vectors

    monkeypatch.setattr(problem_vectors, "encode", encode_side_by_side)
    queues = [VectorQueue(session_factory), VectorQueue(session_factory)]
    workers = [asyncio.create_task(queue.run()) for queue in queues]
    try:
        for queue in queues:
            queue.add(problem_id)
        await asyncio.gather(*(queue.drained() for queue in queues))
    finally:
        for worker in workers:
            worker.cancel()
    assert "left to collection close" not in caplog.text
    assert _same(await _stored(session_factory, problem_id), "课堂纪律难以维持")
