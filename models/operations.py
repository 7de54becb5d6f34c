from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class WorkerHeartbeat(Base):
    """A worker process that is alive (services/operations/heartbeat.py): written every
    WORKER_HEARTBEAT_SECONDS, removed when it stops; /health/ready and the admin page read it."""

    __tablename__ = "worker_heartbeats"

    identity: Mapped[str] = mapped_column(String(200), primary_key=True)  # host and pid
    build_id: Mapped[str] = mapped_column(String(64))
    task_queue: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime]
    beat_at: Mapped[datetime]
