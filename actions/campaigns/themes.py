"""The themes staff expect in a campaign (预期主题): named by those who steer it while problems
are collected, read by every staff member. Staff act on the database under the phase guard
(decision 1, like a teacher's action: the run never needs to hear of them; the grouping reads
them when collection closes)."""

from actions.campaigns.actions import read_by_staff, steered_campaign
from actions.context import Context
from contracts.campaigns.api import LastTermThemes, ThemeIn, ThemeOut
from services.campaigns import themes


async def list_themes(ctx: Context, *, campaign_id: int) -> list[ThemeOut]:
    await read_by_staff(ctx, campaign_id)
    return await _themes(ctx, campaign_id)


async def _themes(ctx: Context, campaign_id: int) -> list[ThemeOut]:
    return [ThemeOut.model_validate(t) for t in await themes.themes_of(ctx.session, campaign_id=campaign_id)]


async def name_theme(ctx: Context, *, campaign_id: int, data: ThemeIn) -> list[ThemeOut]:
    """A title named again keeps one theme (with the new line); answers every theme."""
    await steered_campaign(ctx, campaign_id)
    await themes.name_theme(ctx.session, campaign_id=campaign_id, theme=data, by=ctx.user.id)
    await ctx.session.commit()
    return await _themes(ctx, campaign_id)


async def remove_theme(ctx: Context, *, campaign_id: int, theme_id: int) -> None:
    await steered_campaign(ctx, campaign_id)
    await themes.remove_theme(ctx.session, campaign_id=campaign_id, theme_id=theme_id)
    await ctx.session.commit()


async def name_last_terms_topics(ctx: Context, *, campaign_id: int) -> LastTermThemes:
    """Last term's topics as themes, in one click (services/campaigns/themes.py says which campaign
    is last term's); again, nothing is named twice."""
    campaign = await steered_campaign(ctx, campaign_id)
    previous = await themes.name_last_terms_topics(ctx.session, campaign=campaign, by=ctx.user.id)
    await ctx.session.commit()
    return LastTermThemes(campaign_id=previous.id, campaign_title=previous.title,
                          themes=await _themes(ctx, campaign_id))
