from temporalio import activity

from contracts.notifications import NotifyRequest, NotifyResult
from db import SessionFactory
from notifications import service


class NotificationActivities:
    def __init__(self, session_factory: SessionFactory) -> None:
        self.session_factory = session_factory

    @activity.defn
    async def publish_notification(self, request: NotifyRequest) -> NotifyResult:
        async with self.session_factory() as session:
            result = await service.publish(session, request=request)
            await session.commit()
        return result
