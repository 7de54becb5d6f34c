"""Calendar feeds: a private URL per user (my sessions) or per cluster, for phone calendars."""

from fastapi import APIRouter, Response, status

from actions.series import calendars as calendar_actions
from api.deps import ContextDep, SessionDep, SettingsDep
from contracts.limits import Id
from contracts.series.api import CalendarScope, CalendarTokenIn, CalendarTokenOut

router = APIRouter(tags=["calendars"])


@router.post("/me/calendar-token", response_model=CalendarTokenOut, status_code=status.HTTP_201_CREATED,
             summary="生成日历订阅链接")
async def issue_calendar_token(data: CalendarTokenIn, ctx: ContextDep):
    """Any logged-in user: (re)issue my private feed URL; the previous URL of that feed stops working.
    scope=cluster needs staff, the cluster's organiser or a teacher of the cluster."""
    return await calendar_actions.issue_calendar_token(ctx, data=data)


@router.delete("/me/calendar-token", status_code=status.HTTP_204_NO_CONTENT, summary="停用日历订阅链接")
async def revoke_calendar_token(ctx: ContextDep, scope: CalendarScope = CalendarScope.me,
                                cluster_id: Id | None = None):
    """Any logged-in user: revoke my feed URL (of scope me, or of one cluster)."""
    await calendar_actions.revoke_calendar_token(ctx, scope=scope, cluster_id=cluster_id)


@router.get("/calendars/{token}.ics", response_class=Response)
async def calendar(token: str, session: SessionDep, settings: SettingsDep):
    """No login (the token is the secret): the iCalendar feed. Unknown or revoked → 404."""
    body = await calendar_actions.feed(session, settings=settings, token=token)
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Cache-Control": "private, max-age=300"})
