"""The Temporal worker: every workflow and activity of the product, on one task queue, and the
delivery drains on a queue of their own (a few at a time per process).

    python worker.py          (make run starts it; scale out with more processes)
"""

import ast
import asyncio
import hashlib
import logging
import signal
from contextlib import AsyncExitStack, suppress
from pathlib import Path

from temporalio import activity
from temporalio.client import Client
from temporalio.worker import Worker

from activities.campaigns import CampaignActivities
from activities.exchanges import ExchangeActivities
from activities.mentoring import MentoringActivities
from activities.notifications import NotificationActivities
from activities.series import SeriesActivities
from activities.evaluation import EvaluationActivities
from activities.stall_watch import StallWatch
from activities.tours import TourActivities
from config import ROOT, Settings, get_settings
from config.logs import configure_logging
from contracts.notifications.delivery import DRAIN_ACTIVITIES, drains_queue
from db import SessionFactory, create_engine, create_session_factory
from engine.connection import connect_temporal, register_search_attributes
from engine.library import offer_pass
from engine.reconcile import reconcile
from engine.telemetry import metrics_runtime, tracing
from engine.worker_vitals import Gauges, keep_beating
from notifications.audiences import Audiences
from services.campaigns import audiences as campaign_audiences
from services.series import audiences as series_audiences
from services.evaluation import flow as evaluation_flow
from services.tours import audiences as tour_audiences
from workflows.campaign import CampaignWorkflow
from workflows.exchange import ExchangeQuotaWorkflow, ExchangeWorkflow
from workflows.mentoring import MentoringPairWorkflow
from workflows.notify import DeliverNotificationWorkflow
from workflows.series import SeriesWorkflow
from workflows.evaluation import EvaluationRoundWorkflow
from workflows.tour import TourWorkflow

WORKFLOWS: list[type] = [SeriesWorkflow, DeliverNotificationWorkflow, CampaignWorkflow, MentoringPairWorkflow,
                         TourWorkflow, ExchangeWorkflow, ExchangeQuotaWorkflow, EvaluationRoundWorkflow]


def _imported_contracts(path: Path, root: Path) -> set[Path]:
    """The files of contracts/ that one module imports (`from contracts.x import ...` and
    `from contracts import x`)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "contracts":
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            for name in names:
                for candidate in (root / f"{name.replace('.', '/')}.py", root / name.replace(".", "/") / "__init__.py"):
                    if candidate.is_file():
                        found.add(candidate)
    return found


def history_code(root: Path = ROOT) -> list[Path]:
    """What decides what a run records: workflows/ and the contracts they import, directly or through
    each other (each domain's history.py and the shared ids and payloads). HTTP-only contracts
    (contracts/*/api.py) are not among them, so changing the API does not look like a workflow change."""
    files = set((root / "workflows").rglob("*.py"))
    todo = list(files)
    while todo:
        for found in _imported_contracts(todo.pop(), root) - files:
            files.add(found)
            todo.append(found)
    return sorted(files)


def build_id(root: Path = ROOT) -> str:
    """Names the workflow code a worker runs (recorded with every workflow task it completes), so the
    history shows which release made each step: a digest of `history_code`."""
    digest = hashlib.sha256()
    for path in history_code(root):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return f"jiaoyan-{digest.hexdigest()[:12]}"


BUILD_ID = build_id()
# Every audience a workflow may name in a notice, resolved by the notification activities.
AUDIENCES: Audiences = {**campaign_audiences.RESOLVERS, **series_audiences.RESOLVERS, **tour_audiences.RESOLVERS,
                        **evaluation_flow.RESOLVERS}


def activities_for(*, settings: Settings, session_factory: SessionFactory, audiences: Audiences = AUDIENCES) -> list:
    notifications = NotificationActivities(session_factory, settings, audiences=audiences)
    series = SeriesActivities(session_factory)
    campaigns = CampaignActivities(session_factory, settings)
    mentoring = MentoringActivities(session_factory, settings)
    exchanges = ExchangeActivities(session_factory, settings)
    evaluation = EvaluationActivities(session_factory, settings)
    return [*notifications.all(), series.advance_series, series.end_after_cancel, *campaigns.all(), *mentoring.all(),
            *TourActivities(session_factory).all(), *exchanges.all(), evaluation.advance_round]


def create_worker(
    client: Client, *, settings: Settings, session_factory: SessionFactory, task_queue: str | None = None,
    activities: list | None = None, workflows: list | None = None,
) -> "Workers":
    """`activities` and `workflows`: the product's by default (tests swap in slowed or failing ones)."""
    task_queue = task_queue or settings.temporal_task_queue
    activities = activities or activities_for(settings=settings, session_factory=session_factory)
    drains = [fn for fn in activities if activity._Definition.must_from_callable(fn).name in DRAIN_ACTIVITIES]
    watch = [StallWatch(session_factory, settings)]
    runs = HeartbeatingWorker(
        client, settings=settings, session_factory=session_factory, task_queue=task_queue,
        # Drains too: runs of earlier releases schedule theirs on this queue.
        workflows=workflows or WORKFLOWS, activities=activities,
        interceptors=watch, max_concurrent_activities=50,
        max_concurrent_workflow_tasks=settings.worker_workflow_tasks, build_id=BUILD_ID,
    )
    if not drains:
        return Workers(runs)
    return Workers(runs, Worker(client, task_queue=drains_queue(task_queue), activities=drains, interceptors=watch,
                                max_concurrent_activities=settings.delivery_drains_per_worker, build_id=BUILD_ID))


class Workers:
    """The Temporal workers of one process, started and stopped together: the runs and their steps
    on the task queue, the delivery drains on theirs with DELIVERY_DRAINS_PER_WORKER slots."""

    def __init__(self, *workers: Worker) -> None:
        self.workers = workers
        self._running = AsyncExitStack()

    async def __aenter__(self) -> "Workers":
        async with AsyncExitStack() as starting:  # one that fails to start stops those started
            for worker in self.workers:
                await starting.enter_async_context(worker)
            self._running = starting.pop_all()
        return self

    async def __aexit__(self, *exc) -> None:
        await self._running.__aexit__(*exc)


async def keep_reconciling(client: Client, *, settings: Settings, session_factory: SessionFactory,
                           until: asyncio.Event, gauges: Gauges | None = None) -> None:
    """No record without its run (engine/reconcile.py): a pass now, then every RECONCILE_SECONDS
    until `until` is set. Every worker runs it: a start is idempotent, so passes may overlap."""
    while not until.is_set():
        try:
            started = await reconcile(client, settings=settings, session_factory=session_factory)
            if gauges and started:
                gauges.reconciler_starts.add(len(started))
        except Exception:  # Temporal or the database unreachable: the next pass tries again
            logging.exception("reconciling failed; next pass in %s s", settings.reconcile_seconds)
        with suppress(TimeoutError):
            await asyncio.wait_for(until.wait(), timeout=settings.reconcile_seconds)


async def keep_offering(*, settings: Settings, session_factory: SessionFactory, until: asyncio.Event) -> None:
    """The library's offers to publish what the work produced (engine/library.py), every
    LIBRARY_OFFER_SECONDS until `until` is set; passes of several workers never offer twice."""
    while not until.is_set():
        try:
            await offer_pass(settings=settings, session_factory=session_factory)
        except Exception:  # the database unreachable: the next pass offers what is still due
            logging.exception("library offers failed; next pass in %s s", settings.library_offer_seconds)
        with suppress(TimeoutError):
            await asyncio.wait_for(until.wait(), timeout=settings.library_offer_seconds)


# ---- operations (issue 23): the heartbeat, /metrics, traces, structured logs ---------------------
class HeartbeatingWorker(Worker):
    """The Temporal worker, writing its heartbeat (engine/worker_vitals.py) for as long as it polls:
    /health/ready counts the workers whose heartbeat is fresh."""

    def __init__(self, *args, settings: Settings, session_factory: SessionFactory, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._settings, self._session_factory = settings, session_factory
        self._stop_beating = asyncio.Event()

    async def __aenter__(self) -> "HeartbeatingWorker":
        await super().__aenter__()
        self._beat_task = asyncio.create_task(keep_beating(
            settings=self._settings, session_factory=self._session_factory, build_id=BUILD_ID, until=self._stop_beating))
        return self

    async def __aexit__(self, *exc) -> None:
        self._stop_beating.set()
        await self._beat_task
        await super().__aexit__(*exc)
# ---- end of operations --------------------------------------------------------------------------


async def main() -> None:
    settings = get_settings()
    configure_logging(settings)
    tracing(settings, service="jiaoyan-worker")
    runtime = metrics_runtime(settings)  # binds WORKER_METRICS_PORT now: a port taken fails the start, loudly
    engine = create_engine(settings.database_url)
    client = await connect_temporal(settings, runtime=runtime)
    # Here rather than in deployment scripts: every deployment runs a worker before any workflow.
    added = await register_search_attributes(client, namespace=settings.temporal_namespace)
    if added:
        logging.info("registered search attributes %s", ", ".join(added))
    session_factory = create_session_factory(engine)
    worker = create_worker(client, settings=settings, session_factory=session_factory)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    gauges = Gauges(runtime.metric_meter, settings=settings, session_factory=session_factory) if runtime else None
    async with worker:
        logging.info("worker %s polling task queue %s on %s", BUILD_ID, settings.temporal_task_queue,
                     settings.temporal_address)
        measuring = asyncio.create_task(gauges.keep_measuring(stop)) if gauges else None
        await asyncio.gather(
            keep_reconciling(client, settings=settings, session_factory=session_factory, until=stop, gauges=gauges),
            keep_offering(settings=settings, session_factory=session_factory, until=stop))
        if measuring:
            await measuring
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
