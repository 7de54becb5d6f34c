"""The themes staff expect in a campaign (预期主题): each route parses, calls its action in
actions/campaigns/themes.py (which decides who may), and answers."""

from fastapi import APIRouter, Response, status

from actions.campaigns import themes
from api.deps import ContextDep
from contracts.campaigns.api import LastTermThemes, ThemeIn, ThemeOut
from contracts.limits import Id

router = APIRouter(prefix="/campaigns", tags=["campaigns"])


@router.get("/{campaign_id}/themes", response_model=list[ThemeOut])
async def list_themes(campaign_id: Id, ctx: ContextDep):
    """Staff, admin: the themes named for the grouping."""
    return await themes.list_themes(ctx, campaign_id=campaign_id)


@router.post("/{campaign_id}/themes", response_model=list[ThemeOut], status_code=status.HTTP_201_CREATED,
             summary="设定预期主题")
async def name_theme(campaign_id: Id, data: ThemeIn, ctx: ContextDep):
    """The campaign's creator and co-organisers, admin, while problems are collected: a theme they
    expect (title and a line); when collection closes the grouping proposes it for the problems
    clearly about it. Answers every theme."""
    return await themes.name_theme(ctx, campaign_id=campaign_id, data=data)


@router.post("/{campaign_id}/themes/last-term", response_model=LastTermThemes, status_code=status.HTTP_201_CREATED,
             summary="沿用上期专题")
async def name_last_terms_topics(campaign_id: Id, ctx: ContextDep):
    """The campaign's creator and co-organisers, admin, while problems are collected: the confirmed
    topics of last term's campaign (the latest one before this, launched or co-organised by one of
    them, same subject and grade band, sharing a cluster or school) named as themes. 404 if none."""
    return await themes.name_last_terms_topics(ctx, campaign_id=campaign_id)


@router.delete("/{campaign_id}/themes/{theme_id}", status_code=status.HTTP_204_NO_CONTENT, summary="删除预期主题")
async def remove_theme(campaign_id: Id, theme_id: Id, ctx: ContextDep):
    """The campaign's creator and co-organisers, admin, while problems are collected."""
    await themes.remove_theme(ctx, campaign_id=campaign_id, theme_id=theme_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
