"""The themes staff expect in a campaign (a title and a line each), named while problems are
collected; the grouping proposes each for the problems close enough to it
(services/campaigns/theme_grouping.py)."""

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.campaigns.api import ThemeIn
from contracts.campaigns.phase_rules import CampaignAction
from contracts.errors import NotFound
from models import Campaign, CampaignOrganiser, CampaignTheme, Topic
from services.campaigns.service import phase_guard


async def themes_of(session: AsyncSession, *, campaign_id: int) -> list[CampaignTheme]:
    return list(await session.scalars(select(CampaignTheme).where(CampaignTheme.campaign_id == campaign_id)
                                      .order_by(CampaignTheme.id)))


async def _add(session: AsyncSession, *, campaign_id: int, themes: list[ThemeIn], by: int) -> None:
    """A title named again keeps one theme, with the line given last."""
    named = {t.title: t for t in await themes_of(session, campaign_id=campaign_id)}
    for theme in themes:
        if theme.title in named:
            named[theme.title].line = theme.line or named[theme.title].line
        else:
            named[theme.title] = CampaignTheme(campaign_id=campaign_id, title=theme.title, line=theme.line,
                                               created_by=by)
            session.add(named[theme.title])


async def name_theme(session: AsyncSession, *, campaign_id: int, theme: ThemeIn, by: int) -> None:
    async with phase_guard(session, campaign_id, CampaignAction.name_themes):
        await _add(session, campaign_id=campaign_id, themes=[theme], by=by)


async def remove_theme(session: AsyncSession, *, campaign_id: int, theme_id: int) -> None:
    async with phase_guard(session, campaign_id, CampaignAction.name_themes):
        removed = await session.execute(delete(CampaignTheme).where(CampaignTheme.id == theme_id,
                                                                    CampaignTheme.campaign_id == campaign_id))
        if removed.rowcount == 0:
            raise NotFound("预期主题 (theme)", theme_id)


async def _steering(session: AsyncSession, campaign: Campaign) -> set[int]:
    return {campaign.created_by} | set(await session.scalars(
        select(CampaignOrganiser.user_id).where(CampaignOrganiser.campaign_id == campaign.id)))


async def previous_campaign(session: AsyncSession, campaign: Campaign) -> Campaign | None:
    """Last term's campaign: the latest launched before this one, by one of those who steer this one
    (its creator or a co-organiser), on the same subject and grade band, whose scope shares a
    cluster or a school with this one's, and that confirmed topics."""
    steering = await _steering(session, campaign)
    candidates = await session.scalars(
        select(Campaign).where(Campaign.id < campaign.id, Campaign.subject.is_not_distinct_from(campaign.subject),
                               Campaign.grade_band.is_not_distinct_from(campaign.grade_band),
                               Campaign.id.in_(select(Topic.campaign_id)))
        .order_by(Campaign.id.desc()))
    for candidate in candidates:
        shares_scope = (set(candidate.cluster_ids) & set(campaign.cluster_ids)
                        or set(candidate.school_ids) & set(campaign.school_ids))
        if shares_scope and steering & await _steering(session, candidate):
            return candidate
    return None


async def name_last_terms_topics(session: AsyncSession, *, campaign: Campaign, by: int) -> Campaign:
    """In one click: the confirmed topics of last term's campaign become this one's themes (their
    line says where they come from). Answers that campaign; none: 404 saying what was looked for."""
    async with phase_guard(session, campaign.id, CampaignAction.name_themes):
        previous = await previous_campaign(session, campaign)
        if previous is None:
            raise NotFound("上一期同学科、同学段、范围相交并已确认专题的活动 (last term's campaign with topics)", campaign.id)
        topics = await session.scalars(select(Topic).where(Topic.campaign_id == previous.id).order_by(Topic.position))
        await _add(session, campaign_id=campaign.id, by=by,
                   themes=[ThemeIn(title=t.title, line=f"上期专题 · {previous.title}") for t in topics])
    return previous
