"""Calendar feeds for phone calendars: a private URL per user (the sessions and tour stops I take
part in) or per cluster, issued and revoked by its owner; the feed itself needs no login and gathers
every programme's events (services/calendars/feed.py)."""

from sqlalchemy.ext.asyncio import AsyncSession

from actions.context import Context
from actions.policy import is_staff
from config import Settings
from contracts.errors import Forbidden, NotFound
from contracts.series.api import CalendarScope, CalendarTokenIn, CalendarTokenOut
from models import Cluster, User
from services.directory.service import get_or_404, teacher_cluster_id
from services.calendars import feed as calendars
from services.series import calendar_feed


async def _may_follow_cluster(session: AsyncSession, *, user: User, cluster: Cluster) -> bool:
    """Staff, the cluster's organiser, and the teachers of its schools."""
    if is_staff(user) or user.id == cluster.organiser_user_id:
        return True
    return await teacher_cluster_id(session, user_id=user.id) == cluster.id


async def issue_calendar_token(ctx: Context, *, data: CalendarTokenIn) -> CalendarTokenOut:
    """Any logged-in user, for a feed of their own (a cluster's: see _may_follow_cluster). The
    previous URL of that feed stops working."""
    if data.scope == CalendarScope.cluster:
        cluster = await get_or_404(ctx.session, Cluster, data.cluster_id)
        if not await _may_follow_cluster(ctx.session, user=ctx.user, cluster=cluster):
            raise Forbidden("只能订阅本片区的日历 (only your own cluster)")
    token = await calendar_feed.issue_token(ctx.session, user_id=ctx.user.id, scope=data.scope,
                                            cluster_id=data.cluster_id, now=ctx.now)
    await ctx.session.commit()
    url = f"{ctx.settings.public_base_url}/api/v1/calendars/{token}.ics"  # the feed route of api/routes/series/calendars.py
    return CalendarTokenOut(token=token, url=url, scope=data.scope, cluster_id=data.cluster_id)


async def revoke_calendar_token(ctx: Context, *, scope: CalendarScope, cluster_id: int | None) -> None:
    """Any logged-in user: only their own feed URLs."""
    await calendar_feed.revoke_tokens(ctx.session, user_id=ctx.user.id, scope=scope, cluster_id=cluster_id, now=ctx.now)
    await ctx.session.commit()


async def feed(session: AsyncSession, *, settings: Settings, token: str) -> bytes:
    """No login (the token is the secret): the iCalendar feed; an unknown or revoked token is NotFound.
    Checked on every fetch, as when it was issued: its login is active and, for a cluster's feed,
    may still follow that cluster (a teacher moved to another cluster's school may not)."""
    row, user = await calendar_feed.live_token(session, token=token)
    if row.scope == CalendarScope.cluster:
        cluster = await session.get(Cluster, row.cluster_id)
        if cluster is None or not await _may_follow_cluster(session, user=user, cluster=cluster):
            raise NotFound("日历 (calendar)", "token")
    return await calendars.feed(session, name=await calendar_feed.calendar_name(session, row), user_id=user.id,
                                cluster_id=row.cluster_id if row.scope == CalendarScope.cluster else None,
                                tz=settings.tz, base_url=settings.public_base_url)
