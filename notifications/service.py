"""Publishing a notice: store it once under its key, resolve recipients, write inbox copies.

Idempotent by construction: the notice is unique by key and each inbox copy by (notice, user),
so a retried or replayed activity adds only what is missing."""

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.notifications import NotifyRequest, NotifyResult
from models import InboxItem, Notification
from notifications import audiences
from notifications.render import render

INSERT_CHUNK = 1000  # rows per INSERT: well under SQLite's and PostgreSQL's parameter limits


async def recipients_of(session: AsyncSession, request: NotifyRequest) -> list[int]:
    user_ids = set(request.user_ids)
    if request.audience is not None:
        user_ids.update(await audiences.resolve(session, request.audience))
    return sorted(user_ids)


async def _notification_for(session: AsyncSession, request: NotifyRequest) -> Notification:
    notification = await session.scalar(select(Notification).where(Notification.key == request.key))
    if notification is None:
        notification = Notification(
            key=request.key, kind=request.kind, data=request.data, link=request.link,
            campaign_id=request.campaign_id, series_id=request.series_id,
        )
        session.add(notification)
        await session.flush()
    return notification


async def publish(session: AsyncSession, *, request: NotifyRequest) -> NotifyResult:
    notification = await _notification_for(session, request)
    user_ids = await recipients_of(session, request)
    notification.recipient_count = len(user_ids)
    already = set(
        await session.scalars(select(InboxItem.user_id).where(InboxItem.notification_id == notification.id))
    )
    message = render(request.kind, request.data)
    rows = [
        {"notification_id": notification.id, "user_id": user_id, "kind": request.kind,
         "title": message.title, "body": message.text, "link": request.link}
        for user_id in user_ids
        if user_id not in already
    ]
    for start in range(0, len(rows), INSERT_CHUNK):
        await session.execute(insert(InboxItem), rows[start : start + INSERT_CHUNK])
    await session.flush()
    return NotifyResult(notification_id=notification.id, recipients=len(user_ids), inbox_created=len(rows))
