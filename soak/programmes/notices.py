"""Notices in the soak: teachers open their inbox now and then and mark it read (a write on every
visit), and staff look at the delivery log and retry a notice's failed deliveries, as the console's
notices page offers, once the database window has left some failed."""

import asyncio

from soak.programmes.base import Programme

READERS_PER_TICK = 10
RETRY_EVERY = 30.0  # seconds between staff's looks at the failed deliveries


class Notices(Programme):
    name = "notices"

    async def setup(self, soak) -> None:
        self.last_look = 0.0
        self.retried: set[int] = set()

    async def act(self, soak, now: float) -> None:
        self.step_once(soak, self.name, lambda: self._step(soak, now))

    async def _step(self, soak, now: float) -> None:
        people = soak.people

        async def read(user: int) -> None:
            page = await people.call(user, "GET", "/me/notifications?unread=true", who="teacher", what="read_inbox")
            if page is not None and page.status_code == 200 and page.json().get("items"):
                await people.call(user, "POST", "/me/notifications/read-all", who="teacher", what="read_all")

        readers = self.rng.sample(soak.county.teachers, min(READERS_PER_TICK, len(soak.county.teachers)))
        await asyncio.gather(*(read(u) for u in readers))
        if now - self.last_look < RETRY_EVERY:
            return
        self.last_look = now
        failed = await people.call(soak.county.staff, "GET", "/notifications?status=failed&limit=100", who="staff",
                                   what="delivery_log")
        if failed is None or failed.status_code != 200:
            return
        for notification_id in sorted({row["notification_id"] for row in failed.json()["items"]} - self.retried):
            self.retried.add(notification_id)
            await people.call(soak.county.staff, "POST", f"/notifications/{notification_id}/retry", who="staff",
                              what="retry_notice")
