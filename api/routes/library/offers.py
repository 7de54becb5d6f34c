"""Offers to publish what the work produced (approved plans, reflections, minutes): the author
accepts with one click (the metadata filled from the record) or declines; nothing is published
without her consent."""

from fastapi import APIRouter, Request, status

from actions.library import actions as library_actions
from api.audit import set_audit_subject
from api.deps import ContextDep
from contracts.library.api import OfferAccept, OfferOut, ResourceOut
from contracts.limits import Id

router = APIRouter(prefix="/library", tags=["library"])


@router.get("/offers", response_model=list[OfferOut])
async def my_offers(ctx: ContextDep):
    """Everyone: her records the library offers to publish, and what she decided."""
    return await library_actions.my_offers(ctx)


@router.post("/offers/{offer_id}/accept", response_model=ResourceOut, status_code=status.HTTP_201_CREATED,
             summary="发布成果到资源库")
async def accept(request: Request, offer_id: Id, data: OfferAccept, ctx: ContextDep):
    """The record's author: publish it now (409 if already decided)."""
    published = await library_actions.accept_offer(ctx, offer_id=offer_id, data=data)
    set_audit_subject(request, "resources", published.id)
    return published


@router.post("/offers/{offer_id}/decline", response_model=OfferOut, summary="不发布成果")
async def decline(offer_id: Id, ctx: ContextDep):
    """The record's author: it is not published, and not offered again (409 if already decided)."""
    return await library_actions.decline_offer(ctx, offer_id=offer_id)
