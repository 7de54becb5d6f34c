"""The in-app inbox and preferences of the signed-in user; the delivery log for staff."""

from fastapi import APIRouter, status

from api.deps import CurrentUser, PageDep, SessionDep, SettingsDep, StaffUser, TemporalDep
from contracts.directory import Page
from contracts.notification_api import (
    DeliveryOut, InboxItemOut, InboxPage, PreferencesIn, PreferencesOut, ReadAllOut, RetryOut,
)
from contracts.notifications import ChannelName, DeliveryStatus, NotificationKind
from notifications import inbox, preferences
from notifications.retry import retry_failed
from services import directory

router = APIRouter(tags=["notifications"])


@router.get("/me/notifications", response_model=InboxPage)
async def my_notifications(session: SessionDep, user: CurrentUser, paging: PageDep, unread: bool | None = None):
    """Everyone: my inbox, newest first; `unread=true` for the unread ones only."""
    items, total = await directory.page(session, stmt=inbox.inbox_query(user_id=user.id, unread=unread),
                                        offset=paging.offset, limit=paging.limit)
    return InboxPage(items=items, total=total, offset=paging.offset, limit=paging.limit,
                     unread_count=await inbox.unread_count(session, user_id=user.id))


@router.post("/me/notifications/read-all", response_model=ReadAllOut)
async def read_all(session: SessionDep, user: CurrentUser):
    """Everyone: mark my whole inbox read."""
    updated = await inbox.mark_all_read(session, user_id=user.id)
    await session.commit()
    return ReadAllOut(updated=updated)


@router.post("/me/notifications/{item_id}/read", response_model=InboxItemOut)
async def read_one(item_id: int, session: SessionDep, user: CurrentUser):
    """Everyone: mark one of my notices read."""
    item = await inbox.mark_read(session, user_id=user.id, item_id=item_id)
    await session.commit()
    return item


@router.get("/me/preferences", response_model=PreferencesOut)
async def my_preferences(session: SessionDep, settings: SettingsDep, user: CurrentUser):
    """Everyone: my notification preferences (the defaults until I change them)."""
    return await preferences.get(session, user_id=user.id, settings=settings)


@router.put("/me/preferences", response_model=PreferencesOut)
async def put_preferences(data: PreferencesIn, session: SessionDep, settings: SettingsDep, user: CurrentUser):
    """Everyone: replace my preferences. Critical kinds (escalations, cancellations) cannot be muted."""
    saved = await preferences.put(session, user_id=user.id, data=data, settings=settings)
    await session.commit()
    return saved


@router.get("/notifications", response_model=Page[DeliveryOut])
async def delivery_log(
    session: SessionDep, _: StaffUser, paging: PageDep, status: DeliveryStatus | None = None,
    kind: NotificationKind | None = None, channel: ChannelName | None = None, recipient: int | None = None,
    campaign_id: int | None = None, notification_id: int | None = None,
):
    """Staff, admin: every external delivery (e-mail, robots, webhooks), newest first, filtered."""
    stmt = inbox.delivery_log_query(status=status, kind=kind, channel=channel, recipient=recipient,
                                    campaign_id=campaign_id, notification_id=notification_id)
    items, total = await inbox.delivery_log_page(session, stmt=stmt, offset=paging.offset, limit=paging.limit)
    return Page(items=items, total=total, offset=paging.offset, limit=paging.limit)


@router.post("/notifications/{notification_id}/retry", response_model=RetryOut, status_code=status.HTTP_202_ACCEPTED)
async def retry(notification_id: int, session: SessionDep, temporal: TemporalDep, settings: SettingsDep, _: StaffUser):
    """Staff, admin: send a notice's failed deliveries again (rows already sent are never resent)."""
    return await retry_failed(session, temporal, settings=settings, notification_id=notification_id)
