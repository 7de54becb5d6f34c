"""What the notification workflows and their activities pass each other: small descriptors
(ids, id ranges, counts), never recipient lists, so a notice to 10,000 teachers stays a few events."""

from datetime import datetime

from pydantic import BaseModel

from contracts.notifications.history import NotifyRequest

# The activities that send (the rest of a delivery run is bookkeeping on the run's own queue).
DRAIN_ACTIVITIES = ("drain_deliveries", "drain_digests")


def drains_queue(task_queue: str) -> str:
    """Where a delivery run's drains wait for a worker: a queue of their own, which each worker
    serves with a few slots (DELIVERY_DRAINS_PER_WORKER). With many notices at once the drains queue
    there rather than crowd one process: on SQLite, forty at once waited for its one writer past
    their claims, and sent almost nothing (found by the soak)."""
    return f"{task_queue}-drains"


class PublishInput(BaseModel):
    request: NotifyRequest
    at: datetime  # workflow time: decides quiet hours, so the time-skipping server can test them


class DeliveryWave(BaseModel):
    """Deliveries due at the same moment (None: now), cut into id ranges of one batch each."""

    due_at: datetime | None
    batches: list[tuple[int, int]]  # read only by delivery runs started before 2026-11-26


class DeliveryPlan(BaseModel):
    notification_id: int
    waves: list[DeliveryWave]
    parallel_batches: int
    batch_size: int = 500  # rows a delivery activity claims at a time
    digest_at: datetime | None = None  # some copies wait for the daily digest sent then
    # How the delivery run drives its activities, from the worker's settings (the defaults are the
    # fixed values of 2026-11-23, for the plans recorded by runs that release started).
    lease_seconds: float = 120.0  # heartbeat timeout of a delivery activity, and how long a claim lasts
    attempts: int = 5  # rounds of delivery activities before the open rows are marked failed
    retry_seconds: float = 5.0  # first pause between rounds; doubles each time


class DigestRun(BaseModel):
    """The daily digest of the recipients of one notice: one e-mail per user bundling every
    digest copy due by `at`, whichever notice it belongs to."""

    notification_id: int
    at: datetime  # workflow time
    accepted: list[int] = []  # see Drain.accepted


class Drain(BaseModel):
    """Deliver a notice's rows due by `at`, claiming a batch at a time, until none is left to claim."""

    notification_id: int
    at: datetime  # workflow time
    # Deliveries a channel accepted that an earlier activity could not record (the database was
    # down): recorded as sent before anything else.
    accepted: list[int] = []


class BatchResult(BaseModel):
    sent: int = 0
    failed: int = 0


class DrainResult(BatchResult):
    """An activity that loses the database returns instead of raising: what the channels accepted
    meanwhile travels in the workflow's history until a later activity can record it."""

    unrecorded: list[int] = []  # deliveries accepted by a channel, not recorded
    error: str | None = None  # the database error that stopped the activity


class WaveStart(BaseModel):
    notification_id: int
    at: datetime  # workflow time


class WaveState(BaseModel):
    """What is left of a wave: rows free to claim, rows another run is sending (and when its claim
    lapses), and rows just withdrawn because the notice's campaign or series is over."""

    claimable: int
    held_for: float | None = None  # seconds until the first claim held elsewhere lapses
    withdrawn: int = 0


class GiveUp(BaseModel):
    """After the last round failed: record `accepted` as sent, and the open rows due by `at` that
    nobody else holds (or that `run_id`'s own activities held) as failed with `reason`."""

    notification_id: int
    at: datetime
    reason: str
    run_id: str
    accepted: list[int] = []
    digest: bool = False  # the notice's digest copies rather than its direct deliveries


class DeliverInput(BaseModel):
    notification_id: int


class WaveReport(BaseModel):
    due_at: datetime | None
    delivered_at: datetime
    sent: int
    failed: int
    digest: bool = False
    withdrawn: int = 0


class DeliveryReport(BaseModel):
    notification_id: int
    waves: list[WaveReport]
