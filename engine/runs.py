"""Inspecting the runs the product starts, through Temporal: visibility for lists, describe for
the state of one run, history for its timeline and raw events.

A workflow that continued-as-new is one "run chain": the same workflow id, several run ids. Every
function here that reads history walks the chain oldest first, from the first run id that
Temporal records for the execution."""

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from itertools import groupby
from operator import itemgetter

from google.protobuf.json_format import MessageToDict
from temporalio.api.common.v1 import WorkflowExecution as WorkflowExecutionRef
from temporalio.api.enums.v1 import EventType, PendingActivityState
from temporalio.api.history.v1 import HistoryEvent
from temporalio.api.workflowservice.v1 import (
    CountWorkflowExecutionsRequest, ListWorkflowExecutionsRequest, RequestCancelWorkflowExecutionRequest,
)
from temporalio.client import Client, WorkflowExecution, WorkflowExecutionStatus
from temporalio.common import TypedSearchAttributes
from temporalio.service import RPCError, RPCStatusCode

from contracts import search_attributes as sa
from contracts.errors import Conflict, InvalidField, NotFound, Unavailable
from contracts.runs.api import PatchStatus, PendingActivity, RawEvent, RunDetail, RunKind, RunStatus, RunSummary
from workflows.patches import Patch


@dataclass(frozen=True)
class RunFilters:
    kind: RunKind | None = None
    status: RunStatus | None = None
    phase: str | None = None
    cluster_id: int | None = None
    subject: str | None = None
    started_after: datetime | None = None
    started_before: datetime | None = None


def utc(timestamp) -> datetime:
    return timestamp.ToDatetime(tzinfo=timezone.utc)


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def visibility_query(filters: RunFilters) -> str:
    """The list filter as a Temporal visibility query: the same text works in
    `temporal workflow list --query` and in the UI's search box."""
    clauses = [f"{sa.RUN_KIND.name} IS NOT NULL"]
    for key, value in [(sa.RUN_KIND, filters.kind), (sa.PHASE, filters.phase), (sa.CLUSTER_IDS, filters.cluster_id),
                       (sa.SUBJECT, filters.subject)]:
        if value is not None:
            clauses.append(f"{key.name} = {_quote(str(value))}")
    if filters.status is not None:
        clauses.append(f"ExecutionStatus = {_quote(filters.status)}")
    if filters.started_after is not None:
        clauses.append(f"StartTime >= {_quote(filters.started_after.isoformat())}")
    if filters.started_before is not None:
        clauses.append(f"StartTime < {_quote(filters.started_before.isoformat())}")
    return " AND ".join(clauses)


def _status_name(status: WorkflowExecutionStatus | None) -> str:
    return status.name if status is not None else "UNKNOWN"


def _summary_fields(attributes: TypedSearchAttributes) -> dict:
    return {
        "kind": attributes.get(sa.RUN_KIND),
        "phase": attributes.get(sa.PHASE),
        "campaign_id": attributes.get(sa.CAMPAIGN_ID),
        "series_id": attributes.get(sa.SERIES_ID),
        "cluster_ids": list(attributes.get(sa.CLUSTER_IDS) or []),
        "subject": attributes.get(sa.SUBJECT),
        "term": attributes.get(sa.TERM),
        "started_by": attributes.get(sa.STARTED_BY),
    }


def run_summary(execution: WorkflowExecution) -> RunSummary:
    return RunSummary(
        workflow_id=execution.id,
        run_id=execution.run_id,
        workflow_type=execution.workflow_type,
        status=_status_name(execution.status),
        started_at=execution.start_time,
        closed_at=execution.close_time,
        **_summary_fields(execution.typed_search_attributes),
    )


# The most rows Temporal's frontend returns in one visibility page (its default visibilityMaxPageSize).
VISIBILITY_MAX_PAGE = 1000

_listings_in_flight: dict[tuple, asyncio.Task] = {}


async def list_runs(client: Client, *, filters: RunFilters, offset: int, limit: int) -> tuple[list[RunSummary], int]:
    """A page of runs and how many match. A listing asked for while the same one is in flight
    shares its answer: staff refreshing the list at a deadline would otherwise queue identical
    visibility queries on Temporal. The shared answer is at most one query older than the
    request, well within visibility's own lag (it is eventually consistent)."""
    query = visibility_query(filters)
    key = (id(client), client.namespace, query, offset, limit)
    listing = _listings_in_flight.get(key)
    if listing is None:
        listing = asyncio.ensure_future(_list_page(client, query, offset=offset, limit=limit))
        _listings_in_flight[key] = listing
        listing.add_done_callback(lambda _: _listings_in_flight.pop(key))
    return await asyncio.shield(listing)  # one caller leaving does not cancel the others' answer


# One visibility call's wait. The SDK's own list and count retry errors such as INTERNAL for many
# seconds, also a query the store refuses (it will refuse it again): the list asks without retries,
# and a refusal or an outage answers at once, in words.
VISIBILITY_TIMEOUT = timedelta(seconds=5)


async def _visibility(call, request):
    try:
        return await call(request, retry=False, timeout=VISIBILITY_TIMEOUT)
    except RPCError as exc:
        if exc.status == RPCStatusCode.INVALID_ARGUMENT:
            raise InvalidField("query", "运行列表的筛选条件无法查询 (the visibility store refused these filters)") from None
        raise Unavailable("运行记录暂时无法查询，请稍后再试 (Temporal's visibility store did not answer; try again later)",
                          reason=exc.status.name if exc.status else "UNKNOWN") from None


async def _count(client: Client, query: str) -> int:
    counted = await _visibility(client.workflow_service.count_workflow_executions,
                                CountWorkflowExecutionsRequest(namespace=client.namespace, query=query))
    return counted.count


async def _list_page(client: Client, query: str, *, offset: int, limit: int) -> tuple[list[RunSummary], int]:
    """The count and the rows up to the page's end, asked at once; the rows in as few visibility
    pages as Temporal allows (a first page of 50 is one page of 50)."""
    counted, runs = await asyncio.gather(_count(client, query), _summaries(client, query, wanted=offset + limit))
    return runs[offset:], counted


async def _summaries(client: Client, query: str, *, wanted: int) -> list[RunSummary]:
    runs: list[RunSummary] = []
    page_token = b""
    while len(runs) < wanted:
        page = await _visibility(client.workflow_service.list_workflow_executions, ListWorkflowExecutionsRequest(
            namespace=client.namespace, query=query, next_page_token=page_token,
            page_size=min(wanted - len(runs), VISIBILITY_MAX_PAGE)))
        # The SDK's own conversion (what client.list_workflows yields), without its retries.
        runs += [run_summary(WorkflowExecution._from_raw_info(info, client.namespace, client.data_converter))
                 for info in page.executions]
        page_token = page.next_page_token
        if not page_token:
            break
    return runs[:wanted]


def older_runs_query(patch: Patch) -> str:
    """The open runs that may still take the patch's old path, as a visibility query."""
    types = ", ".join(_quote(name) for name in patch.workflow_types)
    return (f"WorkflowType IN ({types}) AND ExecutionStatus = 'Running' "
            f"AND StartTime < {_quote(patch.older_than.isoformat())}")


async def patch_statuses(client: Client, patches: Sequence[Patch]) -> list[PatchStatus]:
    """Each patch with the count of its older open runs (one visibility count each, asked at once)."""
    counts = await asyncio.gather(*(_count(client, older_runs_query(patch)) for patch in patches))
    return [
        PatchStatus(id=patch.id, release=patch.release, guards=patch.guards, workflow_types=list(patch.workflow_types),
                    older_than=patch.older_than, open_older_runs=counted, retirable=counted == 0)
        for patch, counted in zip(patches, counts)
    ]


async def _describe(client: Client, workflow_id: str, run_id: str | None = None):
    try:
        return await client.get_workflow_handle(workflow_id, run_id=run_id).describe()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise NotFound("运行 (run)", workflow_id) from None
        raise


async def chain_events(client: Client, workflow_id: str) -> AsyncIterator[tuple[str, HistoryEvent]]:
    """(run id, event) for every event of every run of the workflow id, oldest first, fetched from
    Temporal page by page as the caller consumes them: a caller that needs the first entries only
    stops early (close the iterator: `contextlib.aclosing`)."""
    latest = await _describe(client, workflow_id)
    run_id = latest.raw_description.workflow_execution_info.first_run_id or latest.run_id
    while run_id:
        last = None
        async for last in client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history_events():
            yield run_id, last
        continued = last is not None and last.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
        if run_id == latest.run_id or not continued:
            return
        run_id = last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id


async def run_chain(client: Client, workflow_id: str) -> AsyncIterator[tuple[str, list[HistoryEvent]]]:
    """(run id, its events) for every run of the workflow id, oldest first."""
    for run_id, events in groupby([item async for item in chain_events(client, workflow_id)], key=itemgetter(0)):
        yield run_id, [event for _, event in events]


def _pending_timer_deadline(events: list[HistoryEvent]) -> datetime | None:
    started = {}
    for event in events:
        if event.event_type == EventType.EVENT_TYPE_TIMER_STARTED:
            attributes = event.timer_started_event_attributes
            started[attributes.timer_id] = utc(event.event_time) + attributes.start_to_fire_timeout.ToTimedelta()
        elif event.event_type == EventType.EVENT_TYPE_TIMER_FIRED:
            started.pop(event.timer_fired_event_attributes.timer_id, None)
        elif event.event_type == EventType.EVENT_TYPE_TIMER_CANCELED:
            started.pop(event.timer_canceled_event_attributes.timer_id, None)
    return min(started.values(), default=None)


async def run_detail(client: Client, workflow_id: str) -> RunDetail:
    description = await _describe(client, workflow_id)
    chain = [(run_id, events) async for run_id, events in run_chain(client, workflow_id)]
    pending = [
        PendingActivity(
            activity_type=activity.activity_type.name,
            state=PendingActivityState.Name(activity.state).removeprefix("PENDING_ACTIVITY_STATE_"),
            attempt=activity.attempt,
            last_failure=activity.last_failure.message or None,
            scheduled_at=utc(activity.scheduled_time) if activity.HasField("scheduled_time") else None,
        )
        for activity in description.raw_description.pending_activities
    ]
    return RunDetail(
        workflow_id=workflow_id,
        run_id=description.run_id,
        workflow_type=description.workflow_type,
        status=_status_name(description.status),
        started_at=description.start_time,
        closed_at=description.close_time,
        history_length=description.history_length,
        pending_activities=pending,
        next_timer_at=_pending_timer_deadline(chain[-1][1]),
        runs_in_chain=len(chain),
        **_summary_fields(description.typed_search_attributes),
    )


def raw_event(run_id: str, event: HistoryEvent) -> RawEvent:
    attributes_field = event.WhichOneof("attributes")
    return RawEvent(
        run_id=run_id,
        event_id=event.event_id,
        event_time=utc(event.event_time),
        event_type=EventType.Name(event.event_type).removeprefix("EVENT_TYPE_"),
        attributes=MessageToDict(getattr(event, attributes_field)) if attributes_field else {},
    )


async def raw_events(client: Client, workflow_id: str, *, offset: int, limit: int) -> tuple[list[RawEvent], int]:
    events = [raw_event(run_id, e) async for run_id, run_events in run_chain(client, workflow_id) for e in run_events]
    return events[offset : offset + limit], len(events)


async def cancel_run(client: Client, workflow_id: str, *, reason: str, identity: str) -> None:
    """Ask the run to cancel; the reason is kept on the run's history (and in the audit trail)."""
    description = await _describe(client, workflow_id)
    if description.status != WorkflowExecutionStatus.RUNNING:
        raise Conflict("运行已结束，无法取消 (the run is not running)", status=_status_name(description.status))
    await client.workflow_service.request_cancel_workflow_execution(
        RequestCancelWorkflowExecutionRequest(
            namespace=client.namespace,
            workflow_execution=WorkflowExecutionRef(workflow_id=workflow_id),
            reason=reason,
            identity=identity,
        )
    )
