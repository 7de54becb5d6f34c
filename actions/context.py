"""What every action is given: who is acting, and the means to act (database session, Temporal
client, settings, the request's "now"). Built once per request by the API and the console."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from config import Settings
from models import User
from services.campaigns.vector_queue import VectorQueue


@dataclass(frozen=True)
class Context:
    user: User
    session: AsyncSession
    temporal: Client
    settings: Settings
    now: datetime
    vectors: VectorQueue  # problems whose sentence vector is to be encoded once committed
