"""No record without its run. A campaign or series is committed before its run is started, so a
creation answered 202 (Temporal unreachable) or a process killed between the commit and the start
leaves a live record with no run. The worker calls `reconcile` at start and every RECONCILE_SECONDS
(worker.py): it starts the run of every such record, and nothing else.

A page of live records at a time: one visibility listing says which of the page's workflow ids
have, or ever had, a run (a county's few thousand live records cost a few listings, not a call
each); only the others are started, with engine/starts.start_once, so a run that a request started
meanwhile is found there and not started twice."""

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from config import Settings
from contracts import workflow_ids
from db import SessionFactory
from engine import campaigns as campaign_runs
from engine import evaluation as evaluation_runs
from engine import exchanges as exchange_runs
from engine import mentoring as mentoring_runs
from engine import series as series_runs
from engine import tours as tour_runs
from engine.starts import NotStarted
from models import EvaluationRound, Exchange, MentoringPair, MentoringProgramme, Series, Tour
from services.campaigns import service as campaign_service
from services.evaluation import service as evaluation_service
from services.exchanges import service as exchange_service
from services.mentoring import service as mentoring_service
from services.series import service as series_service
from services.tours import service as tour_service

log = logging.getLogger(__name__)

PAGE = 500  # live records per database query and per visibility listing


async def _start_campaign(client: Client, *, settings: Settings, session: AsyncSession, record_id: int,
                          started_by: str) -> bool:
    campaign = await campaign_service.get_campaign(session, record_id)
    cluster_ids = await campaign_service.member_clusters(session, record_id)
    return await campaign_runs.start(client, settings=settings, campaign=campaign, cluster_ids=cluster_ids,
                                     started_by=started_by)


async def _start_series(client: Client, *, settings: Settings, session: AsyncSession, record_id: int,
                        started_by: str) -> bool:
    series = await session.get(Series, record_id)
    return await series_runs.start(client, settings=settings, series=series, started_by=started_by)


async def _start_round(client: Client, *, settings: Settings, session: AsyncSession, record_id: int,
                       started_by: str) -> bool:
    round_ = await session.get(EvaluationRound, record_id)
    return await evaluation_runs.start(client, settings=settings, round_=round_, started_by=started_by)


async def _start_mentoring_pair(client: Client, *, settings: Settings, session: AsyncSession, record_id: int,
                                started_by: str) -> bool:
    pair = await session.get(MentoringPair, record_id)
    programme = await session.get(MentoringProgramme, pair.programme_id)
    return await mentoring_runs.start(client, settings=settings, pair=pair, cluster_id=programme.cluster_id,
                                      started_by=started_by)


async def _start_tour(client: Client, *, settings: Settings, session: AsyncSession, record_id: int,
                      started_by: str) -> bool:
    return await tour_runs.start(client, settings=settings, tour=await session.get(Tour, record_id),
                                 started_by=started_by)


async def _start_exchange(client: Client, *, settings: Settings, session: AsyncSession, record_id: int,
                          started_by: str) -> bool:
    exchange = await session.get(Exchange, record_id)
    return await exchange_runs.start(client, settings=settings, session=session, exchange=exchange,
                                     started_by=started_by)


@dataclass(frozen=True)
class _Records:
    """One kind of record that has a run: its live ones a page at a time, its workflow id, its start."""

    live: Callable[..., Awaitable[list[tuple[int, str]]]]  # (id, started_by) after an id
    workflow_id: Callable[[int], str]
    start: Callable[..., Awaitable[bool]]


RECORDS = [
    _Records(campaign_service.live_campaigns, workflow_ids.campaign, _start_campaign),
    _Records(series_service.live_series, workflow_ids.series, _start_series),
    _Records(evaluation_service.live_rounds, workflow_ids.evaluation_round, _start_round),
    _Records(mentoring_service.live_pairs, workflow_ids.mentoring_pair, _start_mentoring_pair),
    _Records(tour_service.live_tours, workflow_ids.tour, _start_tour),
    _Records(exchange_service.live_exchanges, workflow_ids.exchange, _start_exchange),
]


async def _live_pages(session_factory: SessionFactory, records: _Records) -> AsyncIterator[list[tuple[int, str]]]:
    after_id = 0
    while True:
        async with session_factory() as session:
            page = await records.live(session, after_id=after_id, limit=PAGE)
        if not page:
            return
        yield page
        after_id = page[-1][0]


async def _ids_with_runs(client: Client, ids: list[str]) -> set[str]:
    """Those of these workflow ids that have or had a run, whatever its status (one listing). The
    runs a chain continued from are left out: its last run names the id (a term has a dozen)."""
    quoted = ", ".join(f"'{workflow_id}'" for workflow_id in ids)  # made by contracts.workflow_ids from ints
    query = f"WorkflowId IN ({quoted}) AND ExecutionStatus != 'ContinuedAsNew'"
    return {execution.id async for execution in client.list_workflows(query)}


async def reconcile(client: Client, *, settings: Settings, session_factory: SessionFactory) -> list[str]:
    """Start the run of every live record that never had one; the workflow ids this pass started."""
    started = []
    for records in RECORDS:
        async for page in _live_pages(session_factory, records):
            with_runs = await _ids_with_runs(client, [records.workflow_id(record_id) for record_id, _ in page])
            for record_id, started_by in page:
                workflow_id = records.workflow_id(record_id)
                if workflow_id in with_runs:
                    continue
                async with session_factory() as session:
                    with suppress(NotStarted):  # logged by start_once; the next pass tries again
                        if await records.start(client, settings=settings, session=session, record_id=record_id,
                                               started_by=started_by):
                            log.info("reconciler started %s: its record had no run", workflow_id)
                            started.append(workflow_id)
    return started
