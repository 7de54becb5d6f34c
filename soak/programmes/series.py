"""Weekly joint sessions (周周有约) in the soak. A week cannot be compressed through the product's
settings (a series is a weekday and a time of day over a term of dates), so the honest way is the
organiser's own: each cluster's organiser (片长) plans a term of three weekly sessions whose first
falls inside the soak on today's weekday, at a time of day staggered over the term; she skips the
third (区里统一培训), and in one cluster of three she reschedules the second (next week's) into the
soak's window, so a reschedule is held for real. The cluster's teachers check in while a session's
window is open (some never), and the host school's contact writes the minutes."""

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from models import School, Series, SeriesParticipant, SeriesSession
from soak.programmes.base import Programme, Result

TERM_WEEKS = 3
TEACHER_BATCH = 30
ARRIVING = timedelta(minutes=1)  # teachers check in from this long before the start
LEAVING = timedelta(minutes=50)  # … until this long after it (the window closes at 60)


@dataclass
class Planned:
    cluster: int
    organiser: int
    first_at: float  # soak seconds at which its first session starts
    reschedule: bool
    id: int = 0
    participants: list[int] = field(default_factory=list)
    done: set[tuple[str, int]] = field(default_factory=set)


class WeeklySeries(Programme):
    name = "series"

    async def setup(self, soak) -> None:
        clusters = soak.county.clusters[: soak.profile.series_clusters or None]
        span = soak.profile.term_seconds * 0.6
        self.planned = [Planned(cluster, soak.county.organisers[cluster],
                                first_at=soak.now() + 45 + span * n / max(1, len(clusters)), reschedule=n % 3 == 0)
                        for n, cluster in enumerate(clusters)]
        await asyncio.gather(*(self._create(soak, planned) for planned in self.planned))

    async def _create(self, soak, planned: Planned) -> None:
        tz = soak.stack.settings.tz
        starts = (datetime.now(tz) + timedelta(seconds=planned.first_at - soak.now())).replace(microsecond=0)
        today = starts.date()
        body = {"title": "周周有约：大单元教学设计", "weekday": starts.isoweekday(),
                "start_time": starts.time().isoformat(),
                "end_time": (starts + timedelta(minutes=90)).time().isoformat(),
                "term_start": today.isoformat(), "term_end": (today + timedelta(weeks=TERM_WEEKS - 1)).isoformat(),
                "announce_days_before": 0, "reminder_minutes_before": [1], "minutes_due_days": 1}
        if (starts + timedelta(minutes=90)).date() != today:  # a session never crosses midnight
            body["start_time"], body["end_time"] = "23:00:00", "23:59:00"
        answer = await soak.people.until_answered(lambda: soak.people.call(
            planned.organiser, "POST", f"/clusters/{planned.cluster}/series", who="organiser", what="create_series",
            json=body, ack=("series", {"id": lambda b: b["id"]})))
        if answer is None or answer.status_code not in (201, 202):
            raise RuntimeError(f"series of cluster {planned.cluster}: {answer and answer.text}")
        planned.id = answer.json()["id"]
        async with soak.stack.sessions() as session:
            planned.participants = list(await session.scalars(
                select(SeriesParticipant.user_id).where(SeriesParticipant.series_id == planned.id,
                                                        SeriesParticipant.left_at.is_(None))))

    async def act(self, soak, now: float) -> None:
        for planned in self.planned:
            self.step_once(soak, planned.cluster, lambda: self._step(soak, planned, now))

    async def _step(self, soak, planned: Planned, now: float) -> None:
        people = soak.people
        async with soak.stack.sessions() as session:
            sessions = list(await session.scalars(select(SeriesSession).where(SeriesSession.series_id == planned.id)
                                                  .order_by(SeriesSession.number)))
        if len(sessions) >= 3 and ("skip", 3) not in planned.done:
            planned.done.add(("skip", 3))
            await people.call(planned.organiser, "POST", f"/sessions/{sessions[2].id}/skip", who="organiser",
                              what="skip_session", json={"reason": "区里统一培训"},
                              ack=("series_sessions", {"id": sessions[2].id, "status": "skipped"}))
        if planned.reschedule and len(sessions) >= 2 and ("reschedule", 2) not in planned.done \
                and now > planned.first_at + 5:
            planned.done.add(("reschedule", 2))
            starts = datetime.now(soak.stack.settings.tz).replace(microsecond=0) + timedelta(seconds=40)
            await people.call(planned.organiser, "POST", f"/sessions/{sessions[1].id}/reschedule", who="organiser",
                              what="reschedule_session",
                              json={"starts_at": starts.isoformat(),
                                    "ends_at": (starts + timedelta(minutes=90)).isoformat()})
        moment = datetime.now(timezone.utc)
        for meeting in sessions:
            begins = meeting.starts_at if meeting.starts_at.tzinfo else meeting.starts_at.replace(tzinfo=timezone.utc)
            # Teachers arrive from a minute before the start (the check-in window opens earlier).
            if str(meeting.status) != "skipped" and begins - ARRIVING <= moment <= begins + LEAVING:
                await self._attend(soak, planned, meeting, started=moment >= begins + timedelta(minutes=1))

    async def _attend(self, soak, planned: Planned, meeting: SeriesSession, *, started: bool) -> None:
        people = soak.people
        waiting = [u for u in planned.participants if (f"checkin{meeting.id}", u) not in planned.done]
        ready = [u for u in self.rng.sample(waiting, len(waiting)) if self.rng.random() < 0.4][:TEACHER_BATCH]

        async def check_in(user: int) -> None:
            planned.done.add((f"checkin{meeting.id}", user))
            if self.rng.random() < soak.profile.never_act:
                return
            await people.call(user, "POST", f"/sessions/{meeting.id}/checkin", who="teacher", what="session_checkin",
                              ack=("session_checkins", {"session_id": meeting.id, "user_id": user}))

        await asyncio.gather(*(check_in(u) for u in ready))
        if started and ("minutes", meeting.id) not in planned.done:  # the host school's contact records it
            planned.done.add(("minutes", meeting.id))
            async with soak.stack.sessions() as session:
                recorder = meeting.recorder_user_id or await session.scalar(
                    select(School.contact_user_id).where(School.id == meeting.host_school_id))
            await people.call(recorder, "PUT", f"/sessions/{meeting.id}/minutes", who="teacher",
                              what="session_minutes", json={"content": "研讨了大单元教学设计"},
                              ack=("session_minutes", {"session_id": meeting.id}))

    async def invariants(self, soak) -> list[Result]:
        async with soak.stack.sessions() as session:
            statuses = dict((await session.execute(select(Series.id, Series.status)
                                                   .where(Series.id.in_([p.id for p in self.planned])))).all())
        missing = [p.cluster for p in self.planned if p.id not in statuses]
        return [Result("每个片区都有本学期联片教研 every cluster planned has its series", not missing,
                       f"{len(statuses)} series for {len(self.planned)} clusters",
                       f"clusters without a series: {missing}" if missing else "")]
