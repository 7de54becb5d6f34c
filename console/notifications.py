"""Failed notices (staff, admin): what did not reach whom, why, and a button to send again."""

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from api.deps import SessionDep, SettingsDep, TemporalDep
from console.auth import ConsoleUser, CsrfChecked, require
from console.render import page
from contracts.directory import Role
from contracts.notifications import DeliveryStatus
from notifications import inbox
from notifications.retry import retry_failed

router = APIRouter()


@router.get("/notifications/failed")
async def failed_notices(request: Request, user: ConsoleUser, session: SessionDep, done: int | None = None):
    require(user, Role.staff, Role.admin)
    stmt = inbox.delivery_log_query(status=DeliveryStatus.failed)
    items, total = await inbox.delivery_log_page(session, stmt=stmt, offset=0, limit=200)
    flash = f"已重新发送 {done} 条" if done is not None else ""
    return page(request, "failed_notices.html", user, items=items, total=total, flash=flash)


@router.post("/notifications/{notification_id}/retry", dependencies=[CsrfChecked])
async def retry(notification_id: int, user: ConsoleUser, session: SessionDep, temporal: TemporalDep,
                settings: SettingsDep):
    require(user, Role.staff, Role.admin)
    result = await retry_failed(session, temporal, settings=settings, notification_id=notification_id)
    return RedirectResponse(f"/console/notifications/failed?done={result.reset}", status_code=303)
