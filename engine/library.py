"""The library's offers to publish what the work produced, made by the worker (decision 0004):
every LIBRARY_OFFER_SECONDS it finds approved plans, reflections and minutes not yet offered,
records one offer each and tells each author in her inbox, in one transaction (an offer and its
notice are stored together or not at all; a pass that overlaps another's offers nothing twice).

In the inbox only: an offer waits for its author and never chases her on other channels."""

from datetime import datetime, timezone

from config import Settings
from contracts.notifications.history import NotifyRequest
from contracts.notifications.notices import LibraryOffer
from db import SessionFactory
from notifications.service import publish
from services.library.offers import make_offers

OFFERS_PAGE = "/console/library/offers"


async def offer_pass(*, settings: Settings, session_factory: SessionFactory) -> int:
    """Offers made and announced in this pass."""
    inbox_only = settings.model_copy(update={"notification_channels": False})
    now = datetime.now(timezone.utc)
    async with session_factory() as session:
        made = await make_offers(session, now=now)
        for offer in made:
            await publish(session, request=NotifyRequest(
                payload=LibraryOffer(title=offer.title, origin=offer.origin), key=f"library:offer:{offer.id}",
                user_ids=[offer.author_user_id], link=OFFERS_PAGE), at=now, settings=inbox_only)
        await session.commit()
    return len(made)
