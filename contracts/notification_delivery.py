"""What the notification workflows and their activities pass each other: small descriptors
(ids and id ranges), never recipient lists, so a notice to 10,000 teachers stays a few events."""

from datetime import datetime

from pydantic import BaseModel

from contracts.notifications import NotifyRequest


class PublishInput(BaseModel):
    request: NotifyRequest
    at: datetime  # workflow time: decides quiet hours, so the time-skipping server can test them


class DeliveryWave(BaseModel):
    """Deliveries due at the same moment (None: now), cut into id ranges of one batch each."""

    due_at: datetime | None
    batches: list[tuple[int, int]]


class DeliveryPlan(BaseModel):
    notification_id: int
    waves: list[DeliveryWave]
    parallel_batches: int
    digest_at: datetime | None = None  # some copies wait for the daily digest sent then


class DigestRun(BaseModel):
    """The daily digest of the recipients of one notice: one e-mail per user bundling every
    digest copy due by `at`, whichever notice it belongs to."""

    notification_id: int
    at: datetime  # workflow time


class DeliveryBatch(BaseModel):
    notification_id: int
    first_id: int
    last_id: int
    at: datetime  # workflow time: deferred rows due by then are delivered


class BatchResult(BaseModel):
    sent: int = 0
    failed: int = 0


class DeliverInput(BaseModel):
    notification_id: int


class WaveReport(BaseModel):
    due_at: datetime | None
    delivered_at: datetime
    sent: int
    failed: int
    digest: bool = False


class DeliveryReport(BaseModel):
    notification_id: int
    waves: list[WaveReport]
