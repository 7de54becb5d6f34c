"""An exchange's run and the quota checkpoints' as seen from the client: start them (once), and
steer an exchange with its Updates. A refused Update becomes the same domain error as any other
(409 naming the status, 422 naming the field)."""

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import (
    Client, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, WorkflowUpdateStage,
)
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from config import Settings
from contracts import search_attributes as sa
from contracts import workflow_ids
from contracts.errors import REFUSED_INVALID, REFUSED_WRONG_PHASE, Conflict, InvalidField, StillRunning
from contracts.exchanges.history import (
    AssessRequest, CancelRequest, ExchangeRunInput, ExchangeState, PostponeRequest, QuotaRunInput,
)
from engine.starts import start_once
from models import Exchange, School
from services.exchanges.quotas import year_of
from workflows.exchange import ExchangeQuotaWorkflow, ExchangeWorkflow

log = logging.getLogger(__name__)

STEER_WAIT = timedelta(seconds=20)  # as a campaign's: a run held up by a failing step answers 202


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
    handle = client.get_workflow_handle(exchange.workflow_id)
    try:
        accepted = await handle.start_update(update, *args, wait_for_stage=WorkflowUpdateStage.ACCEPTED)
        return await accepted.result(rpc_timeout=STEER_WAIT)
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        raise StillRunning(workflow_id=exchange.workflow_id) from None
    except WorkflowUpdateFailedError as failed:
        cause = failed.cause
        if isinstance(cause, ApplicationError) and cause.type in (REFUSED_WRONG_PHASE, REFUSED_INVALID):
            details = cause.details[0] if cause.details else {}
            if cause.type == REFUSED_INVALID:
                raise InvalidField(details.get("field", "body"), cause.message) from None
            raise Conflict(cause.message, **details) from None
        raise
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            raise Conflict("交流流程已结束 (the exchange's run has ended)", status=str(exchange.status)) from None
        raise


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
