"""Calendar feeds: a private URL per user (my sessions) or per cluster, for phone calendars."""

from fastapi import APIRouter, HTTPException, Response, status
from sqlalchemy import select

from api.clock import NowDep
from api.deps import CurrentUser, SessionDep, SettingsDep
from contracts.directory import Role
from contracts.series import CalendarScope, CalendarTokenIn, CalendarTokenOut
from models import Cluster, School, Teacher, User
from services import calendar_feed
from services.directory import get_or_404

router = APIRouter(tags=["calendars"])


async def _may_follow_cluster(session, user: User, cluster: Cluster) -> bool:
    if user.role in (Role.staff, Role.admin) or user.id == cluster.organiser_user_id:
        return True
    school_cluster = select(School.cluster_id).join(Teacher, Teacher.school_id == School.id).where(Teacher.user_id == user.id)
    return await session.scalar(school_cluster) == cluster.id


@router.post("/me/calendar-token", response_model=CalendarTokenOut, status_code=status.HTTP_201_CREATED)
async def issue_calendar_token(data: CalendarTokenIn, session: SessionDep, settings: SettingsDep,
                               user: CurrentUser, now: NowDep):
    """Any logged-in user: (re)issue my private feed URL; the previous URL of that feed stops working.
    scope=cluster needs staff, the cluster's organiser or a teacher of the cluster."""
    if data.scope == CalendarScope.cluster:
        cluster = await get_or_404(session, Cluster, data.cluster_id)
        if not await _may_follow_cluster(session, user, cluster):
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail="只能订阅本片区的日历 (only your own cluster)")
    token = await calendar_feed.issue_token(session, user_id=user.id, scope=data.scope, cluster_id=data.cluster_id, now=now)
    await session.commit()
    url = f"{settings.public_base_url}/api/v1/calendars/{token}.ics"
    return CalendarTokenOut(token=token, url=url, scope=data.scope, cluster_id=data.cluster_id)


@router.delete("/me/calendar-token", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_calendar_token(session: SessionDep, user: CurrentUser, now: NowDep,
                                scope: CalendarScope = CalendarScope.me, cluster_id: int | None = None):
    """Any logged-in user: revoke my feed URL (of scope me, or of one cluster)."""
    await calendar_feed.revoke_tokens(session, user_id=user.id, scope=scope, cluster_id=cluster_id, now=now)
    await session.commit()


@router.get("/calendars/{token}.ics", response_class=Response)
async def calendar(token: str, session: SessionDep, settings: SettingsDep):
    """No login (the token is the secret): the iCalendar feed. Unknown or revoked → 404."""
    body = await calendar_feed.feed(session, token=token, tz=settings.tz, base_url=settings.public_base_url)
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Cache-Control": "private, max-age=300"})
