"""Notices as people meet them: my inbox and my preferences (everyone, for themselves only), and
for staff and admins the delivery log, sending failed deliveries again, and the group robots and
webhooks configured per school or cluster."""

from actions.context import Context
from actions.directory.actions import page_of
from actions.policy import require_staff
from contracts.directory.api import Page
from contracts.notifications.api import InboxPage, PreferencesIn, PreferencesOut, ReadAllOut, RetryOut, RobotIn
from contracts.notifications.history import ChannelName, DeliveryStatus, NotificationKind
from engine import notices
from models import InboxItem, Notification, RobotChannel
from notifications import inbox, preferences, robot_config


# ---- my inbox and preferences ----


async def my_inbox(ctx: Context, *, unread: bool | None, offset: int, limit: int) -> InboxPage:
    """My notices, newest first (`unread`: only the unread, or only the read ones), and how many are unread."""
    listed = await page_of(ctx, stmt=inbox.inbox_query(user_id=ctx.user.id, unread=unread), offset=offset, limit=limit)
    return InboxPage(items=listed.items, total=listed.total, offset=offset, limit=limit,
                     unread_count=await inbox.unread_count(ctx.session, user_id=ctx.user.id))


async def read_one(ctx: Context, *, item_id: int) -> InboxItem:
    """Mark one of my notices read; someone else's does not exist for me."""
    item = await inbox.mark_read(ctx.session, user_id=ctx.user.id, item_id=item_id)
    await ctx.session.commit()
    return item


async def open_inbox_item(ctx: Context, *, item_id: int) -> str:
    """Opening a notice reads it; its link ("" if none) leads to the action it asks for."""
    return (await read_one(ctx, item_id=item_id)).link


async def read_all(ctx: Context) -> ReadAllOut:
    updated = await inbox.mark_all_read(ctx.session, user_id=ctx.user.id)
    await ctx.session.commit()
    return ReadAllOut(updated=updated)


async def my_preferences(ctx: Context) -> PreferencesOut:
    """Mine, or the defaults until I change them."""
    return await preferences.get(ctx.session, user_id=ctx.user.id, settings=ctx.settings)


async def put_my_preferences(ctx: Context, *, data: PreferencesIn) -> PreferencesOut:
    """Replace mine; critical kinds (escalations, cancellations) cannot be muted."""
    saved = await preferences.put(ctx.session, user_id=ctx.user.id, data=data, settings=ctx.settings)
    await ctx.session.commit()
    return saved


# ---- deliveries (staff, admin) ----


async def delivery_log(
    ctx: Context, *, status: DeliveryStatus | None = None, kind: NotificationKind | None = None,
    channel: ChannelName | None = None, recipient: int | None = None, campaign_id: int | None = None,
    notification_id: int | None = None, offset: int, limit: int,
) -> Page:
    """Staff, admin: external deliveries (e-mail, robots, webhooks), newest first."""
    require_staff(ctx.user)
    stmt = inbox.delivery_log_query(status=status, kind=kind, channel=channel, recipient=recipient,
                                    campaign_id=campaign_id, notification_id=notification_id)
    items, total = await inbox.delivery_log_page(ctx.session, stmt=stmt, offset=offset, limit=limit)
    return Page(items=items, total=total, offset=offset, limit=limit)


async def retry_notice(ctx: Context, *, notification_id: int) -> RetryOut:
    """Staff, admin: the notice's failed deliveries go back to pending (committed), then a fresh
    delivery run sends them with any whose claim lapsed; rows sent, or held by a run sending them
    now, are never sent twice."""
    require_staff(ctx.user)
    reset = await inbox.reopen(ctx.session, notification_id=notification_id)
    await ctx.session.commit()
    if not reset:
        return RetryOut(notification_id=notification_id, reset=0, workflow_id=None)
    notice = await ctx.session.get(Notification, notification_id)
    workflow_id = await notices.start_retry(ctx.temporal, settings=ctx.settings, notice=notice)
    return RetryOut(notification_id=notification_id, reset=reset, workflow_id=workflow_id)


# ---- robots and webhooks (staff, admin) ----


def require_channel_keeper(ctx: Context) -> None:
    """Staff and admins keep the robots and webhooks; nobody else may even list them."""
    require_staff(ctx.user)


async def add_channel(ctx: Context, *, data: RobotIn) -> RobotChannel:
    require_channel_keeper(ctx)
    robot = await robot_config.create(ctx.session, data=data, created_by=ctx.user.id,
                                      private_hosts=ctx.settings.channel_private_host_set)
    await ctx.session.commit()
    return robot


async def list_channels(ctx: Context, *, school_id: int | None, cluster_id: int | None, kind: ChannelName | None,
                        offset: int, limit: int) -> Page:
    require_channel_keeper(ctx)
    stmt = robot_config.list_query(school_id=school_id, cluster_id=cluster_id, kind=kind)
    return await page_of(ctx, stmt=stmt, offset=offset, limit=limit)


async def remove_channel(ctx: Context, *, robot_id: int) -> None:
    """Its open deliveries are recorded as failed when due."""
    require_channel_keeper(ctx)
    await robot_config.delete(ctx.session, robot_id=robot_id)
    await ctx.session.commit()
