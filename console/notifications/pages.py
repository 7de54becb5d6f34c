"""Failed notices (staff, admin): what did not reach whom, why, and a button to send again."""

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from actions.notifications import actions as notice_actions
from console.auth import ConsoleContext, CsrfChecked
from console.render import page
from contracts.limits import Id
from contracts.notifications.history import DeliveryStatus

router = APIRouter()


@router.get("/notifications/failed")
async def failed_notices(request: Request, ctx: ConsoleContext, done: int | None = None):
    failed = await notice_actions.delivery_log(ctx, status=DeliveryStatus.failed, offset=0, limit=200)
    flash = f"已重新发送 {done} 条" if done is not None else ""
    return page(request, "failed_notices.html", ctx.user, items=failed.items, total=failed.total, flash=flash)


@router.post("/notifications/{notification_id}/retry", dependencies=[CsrfChecked], summary="重发失败通知")
async def retry(notification_id: Id, ctx: ConsoleContext):
    result = await notice_actions.retry_notice(ctx, notification_id=notification_id)
    return RedirectResponse(f"/console/notifications/failed?done={result.reset}", status_code=303)
