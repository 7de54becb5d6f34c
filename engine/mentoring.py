"""A mentor pair's run as seen from the client: start it (once), and steer it with staff's Updates.
A refused Update becomes the same domain error as any other (409 with the state, 422 naming the
field)."""

from typing import Any

from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes

from config import Settings
from contracts import search_attributes as sa
from contracts.errors import Conflict
from contracts.mentoring.history import (
    EndRequest, ExtendRequest, PairRunInput, PairState, ReplaceMentorRequest, VerdictRequest,
)
from engine.starts import start_once
from engine.steering import steer
from models import MentoringPair
from workflows.mentoring import MentoringPairWorkflow

async def start(client: Client, *, settings: Settings, pair: MentoringPair, cluster_id: int, started_by: str) -> bool:
    """Start the pair's run unless it has one (engine/starts.py): True if this call started it.
    Raises NotStarted when Temporal did not take it."""
    attributes = TypedSearchAttributes([
        SearchAttributePair(sa.RUN_KIND, "mentoring"), SearchAttributePair(sa.CLUSTER_IDS, [str(cluster_id)]),
        SearchAttributePair(sa.SUBJECT, pair.subject), SearchAttributePair(sa.PHASE, f"stage{pair.current_stage}"),
        SearchAttributePair(sa.STARTED_BY, started_by),
    ])
    return await start_once(client, MentoringPairWorkflow.run, PairRunInput(pair_id=pair.id),
                            workflow_id=pair.workflow_id, settings=settings, search_attributes=attributes)


async def _steer(client: Client, pair: MentoringPair, update: Any, arg: Any) -> PairState:
    return await steer(client, pair.workflow_id, update, arg, current={"status": pair.status,
                                                                      "current_stage": pair.current_stage},
                       ended=Conflict(f"结对已结束 (the pair's run has ended: {pair.status})", status=pair.status))


async def decide_stage(client: Client, pair: MentoringPair, request: VerdictRequest) -> PairState:
    return await _steer(client, pair, MentoringPairWorkflow.decide_stage, request)


async def replace_mentor(client: Client, pair: MentoringPair, request: ReplaceMentorRequest) -> PairState:
    return await _steer(client, pair, MentoringPairWorkflow.replace_mentor, request)


async def extend(client: Client, pair: MentoringPair, request: ExtendRequest) -> PairState:
    return await _steer(client, pair, MentoringPairWorkflow.extend, request)


async def end(client: Client, pair: MentoringPair, request: EndRequest) -> PairState:
    return await _steer(client, pair, MentoringPairWorkflow.end, request)
