"""Offers to publish what the work produced: one per record, made to its author, never published
until she accepts; declined, it stays declined."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.library.api import OfferOut, OfferStatus
from models import Offer
from services.library import sources

BATCH = 500  # records offered per kind and pass


async def make_offers(session: AsyncSession, *, author_user_id: int | None = None, now: datetime) -> list[Offer]:
    """Offers for the records that have none yet; a record offered at the same moment by another
    process is offered once (the offer is unique per record). Returns the offers made here."""
    fresh = await sources.not_yet_offered(session, author_user_id=author_user_id, limit=BATCH)
    if not fresh:
        return []
    upsert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[session.bind.dialect.name]
    made = await session.scalars(upsert(Offer).values([
        {"source_kind": record.source, "source_id": record.source_id, "author_user_id": record.author_user_id,
         "title": record.title[:200], "origin": record.origin[:200], "created_at": now} for record in fresh
    ]).on_conflict_do_nothing(index_elements=[Offer.source_kind, Offer.source_id]).returning(Offer))
    return list(made)


async def offers_of(session: AsyncSession, *, user_id: int) -> list[OfferOut]:
    rows = await session.scalars(select(Offer).where(Offer.author_user_id == user_id).order_by(Offer.id.desc()).limit(200))
    return [OfferOut(id=o.id, source_kind=o.source_kind, source_id=o.source_id, title=o.title, origin=o.origin,
                     status=o.status, resource_id=o.resource_id) for o in rows]


def decide(offer: Offer, *, status: OfferStatus, resource_id: int | None, now: datetime) -> Offer:
    offer.status, offer.resource_id, offer.decided_at = status, resource_id, now
    return offer
