"""An exchange's run and the quota checkpoints' as seen from the client: start them (once), and
steer an exchange with its Updates. A refused Update becomes the same domain error as any other
(409 naming the status, 422 naming the field)."""

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.service import RPCError

from config import Settings
from contracts import search_attributes as sa
from contracts import workflow_ids
from contracts.errors import Conflict
from contracts.exchanges.history import (
    AssessRequest, CancelRequest, ExchangeRunInput, ExchangeState, PostponeRequest, QuotaRunInput,
)
from engine.starts import start_once
from engine.steering import steer
from models import Exchange, School
from services.exchanges.quotas import year_of
from workflows.exchange import ExchangeQuotaWorkflow, ExchangeWorkflow

log = logging.getLogger(__name__)

async def start(client: Client, *, settings: Settings, session: AsyncSession, exchange: Exchange,
                started_by: str) -> bool:
    """Start the exchange's run unless it has one (engine/starts.py), and its school year's quota
    checkpoints first: True if this call started the exchange's run. Raises NotStarted when
    Temporal did not take either (the reconciler tries both again)."""
    year = year_of(exchange.actual_start or exchange.planned_start, settings)
    await start_checkpoints(client, settings=settings, year=year, started_by=started_by)
    cluster_ids = list(await session.scalars(select(School.cluster_id).where(
        School.id.in_([exchange.home_school_id, exchange.host_school_id])).distinct()))
    attributes = TypedSearchAttributes([
        SearchAttributePair(sa.RUN_KIND, "exchange"), SearchAttributePair(sa.CLUSTER_IDS, [str(c) for c in cluster_ids]),
        SearchAttributePair(sa.PHASE, str(exchange.status)), SearchAttributePair(sa.STARTED_BY, started_by),
    ])
    return await start_once(client, ExchangeWorkflow.run, ExchangeRunInput(exchange_id=exchange.id),
                            workflow_id=exchange.workflow_id, settings=settings, search_attributes=attributes)


async def start_checkpoints(client: Client, *, settings: Settings, year: int, started_by: str = "") -> bool:
    """Start the school year's quota checkpoints unless they run already. Raises NotStarted."""
    attributes = TypedSearchAttributes([SearchAttributePair(sa.RUN_KIND, "exchange"),
                                        SearchAttributePair(sa.TERM, f"{year}-{year + 1}"),
                                        SearchAttributePair(sa.STARTED_BY, started_by)])
    return await start_once(client, ExchangeQuotaWorkflow.run, QuotaRunInput(year=year),
                            workflow_id=workflow_ids.exchange_quotas(year), settings=settings,
                            search_attributes=attributes)


async def _steer(client: Client, exchange: Exchange, update: Any, *args: Any) -> Any:
    return await steer(client, exchange.workflow_id, update, *args, ended=Conflict(
        "交流流程已结束 (the exchange's run has ended)", status=str(exchange.status)))


async def postpone(client: Client, exchange: Exchange, request: PostponeRequest) -> ExchangeState:
    return await _steer(client, exchange, ExchangeWorkflow.postpone, request)


async def assess(client: Client, exchange: Exchange, request: AssessRequest) -> ExchangeState:
    return await _steer(client, exchange, ExchangeWorkflow.assess, request)


async def cancel(client: Client, exchange: Exchange, request: CancelRequest) -> ExchangeState:
    return await _steer(client, exchange, ExchangeWorkflow.cancel, request)


async def replan(client: Client, exchange: Exchange) -> bool:
    """Tell the run its exchange's dates changed in the database. A run this does not reach finds
    them at its next step (its timeline is read from the database each time)."""
    try:
        await client.get_workflow_handle(exchange.workflow_id).execute_update(ExchangeWorkflow.replan)
        return True
    except (RPCError, WorkflowUpdateFailedError) as exc:
        log.warning("exchange %s: new dates not delivered to its run: %s", exchange.id, exc)
        return False
