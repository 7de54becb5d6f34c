"""The in-app inbox and preferences of the signed-in user; the delivery log for staff."""

from fastapi import APIRouter, status

from actions.notifications import actions as notice_actions
from api.deps import ContextDep, PageDep
from contracts.directory.api import Page
from contracts.limits import Id
from contracts.notifications.api import (
    DeliveryOut, InboxItemOut, InboxPage, PreferencesIn, PreferencesOut, ReadAllOut, RetryOut,
)
from contracts.notifications.history import ChannelName, DeliveryStatus, NotificationKind

router = APIRouter(tags=["notifications"])


@router.get("/me/notifications", response_model=InboxPage)
async def my_notifications(ctx: ContextDep, paging: PageDep, unread: bool | None = None):
    """Any logged-in user: my inbox, newest first; `unread=true` for the unread ones only."""
    return await notice_actions.my_inbox(ctx, unread=unread, offset=paging.offset, limit=paging.limit)


@router.post("/me/notifications/read-all", response_model=ReadAllOut, summary="全部标为已读")
async def read_all(ctx: ContextDep):
    """Any logged-in user: mark my whole inbox read."""
    return await notice_actions.read_all(ctx)


@router.post("/me/notifications/{item_id}/read", response_model=InboxItemOut, summary="标为已读")
async def read_one(item_id: Id, ctx: ContextDep):
    """Any logged-in user: mark one of my notices read."""
    return await notice_actions.read_one(ctx, item_id=item_id)


@router.get("/me/preferences", response_model=PreferencesOut)
async def my_preferences(ctx: ContextDep):
    """Any logged-in user: my notification preferences (the defaults until I change them)."""
    return await notice_actions.my_preferences(ctx)


@router.put("/me/preferences", response_model=PreferencesOut, summary="修改通知偏好")
async def put_preferences(data: PreferencesIn, ctx: ContextDep):
    """Any logged-in user: replace my preferences. Critical kinds (escalations, cancellations) cannot be muted."""
    return await notice_actions.put_my_preferences(ctx, data=data)


@router.get("/notifications", response_model=Page[DeliveryOut])
async def delivery_log(
    ctx: ContextDep, paging: PageDep, status: DeliveryStatus | None = None, kind: NotificationKind | None = None,
    channel: ChannelName | None = None, recipient: Id | None = None, campaign_id: Id | None = None,
    notification_id: Id | None = None,
):
    """Staff, admin: every external delivery (e-mail, robots, webhooks), newest first, filtered."""
    return await notice_actions.delivery_log(
        ctx, status=status, kind=kind, channel=channel, recipient=recipient, campaign_id=campaign_id,
        notification_id=notification_id, offset=paging.offset, limit=paging.limit,
    )


@router.post("/notifications/{notification_id}/retry", response_model=RetryOut, status_code=status.HTTP_202_ACCEPTED,
             summary="重发失败通知")
async def retry(notification_id: Id, ctx: ContextDep):
    """Staff, admin: send a notice's failed deliveries again (rows already sent are never resent)."""
    return await notice_actions.retry_notice(ctx, notification_id=notification_id)
