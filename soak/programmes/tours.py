"""Touring lessons (送教下乡) in the soak: staff plan a tour over HTTP, a presenter of the first
alliance taking it to schools of the others; the presenter ticks the checklist, the host school's
teachers check in while a stop's window is open (some never), each host school's contact
gives the feedback form (one soon, one late, one never), and staff move the last stop to another
day (its calendar entry must keep its UID with a higher SEQUENCE).

Time: a stop's times are request fields, so each stop is placed inside the term, a few minutes
long. The host school is asked for its feedback once check-in has closed: the soak sets
CHECKIN_TOUR_STOP_CLOSES_MINUTES_AFTER to 0 (an operator setting; the default is 30), so the request
goes out as the stop ends. A chase follows TOUR_FEEDBACK_CHASE_DAYS later (at least one day): none
falls inside the term, so the promise judged is that every stop over is asked, and that nothing is
sent once the form is in; the late form comes after the request."""

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from models import School, Teacher, TourFeedback, TourStop
from soak.programmes.base import Programme, Result, Sent, first, notices_keyed

ACTED_BEFORE = timedelta(seconds=1)
TEACHER_BATCH = 20


@dataclass
class Stop:
    starts: float  # seconds into the term
    minutes: float  # how long
    feedback: str  # "soon", "late" (once asked), "never"
    id: int = 0
    host_school: int = 0
    contact: int | None = None
    teachers: list[int] = field(default_factory=list)
    done: set[str] = field(default_factory=set)


def stops(term: int) -> list[Stop]:
    """Three stops held in the term, the last a month away (staff move it)."""
    length = max(1.0, term / 240)  # minutes: 1 in the short term, 5 in the 25-minute one
    return [Stop(0.1 * term, length, "soon"), Stop(0.15 * term, length, "late"), Stop(0.2 * term, length, "never"),
            Stop(30 * 86400, 60, "never")]


class Tours(Programme):
    name = "tours"
    settings = {"checkin_tour_stop_closes_minutes_after": 0}

    async def setup(self, soak) -> None:
        tz = soak.stack.settings.tz
        self.stops = stops(soak.profile.term_seconds)
        self.moved: tuple[str, int] | None = None  # the rescheduled stop's UID and SEQUENCE before the move
        clusters = soak.county.clusters
        start = datetime.now(tz).replace(microsecond=0) - timedelta(seconds=soak.now() - soak.term_started)
        async with soak.stack.sessions() as session:
            self.presenter = await session.scalar(select(Teacher.user_id).join(School).where(
                School.cluster_id == clusters[0], Teacher.user_id.is_not(None)).order_by(Teacher.id.desc()).limit(1))
            for n, stop in enumerate(self.stops):
                school = await session.scalar(select(School).where(School.cluster_id == clusters[1 + n % (len(clusters) - 1)])
                                              .order_by(School.id).offset(n // (len(clusters) - 1)).limit(1))
                stop.host_school, stop.contact = school.id, school.contact_user_id
                stop.teachers = list(await session.scalars(select(Teacher.user_id).where(
                    Teacher.school_id == school.id, Teacher.user_id.is_not(None))))
        body = {"title": "送教下乡：小学数学", "subject": "数学", "presenter_user_id": self.presenter, "stops": [
            {"host_school_id": s.host_school, "topic": "图形的运动",
             "starts_at": (start + timedelta(seconds=s.starts)).isoformat(),
             "ends_at": (start + timedelta(seconds=s.starts, minutes=s.minutes)).isoformat()} for s in self.stops]}
        answer = await soak.people.call(soak.county.staff, "POST", "/tours", who="staff", what="create_tour", json=body,
                                        ack=("tours", {"id": lambda b: b["id"]}))
        if answer is None or answer.status_code not in (201, 202):
            raise RuntimeError(f"tour: {answer and answer.text}")
        self.tour = answer.json()["id"]
        async with soak.stack.sessions() as session:
            rows = list(await session.scalars(select(TourStop).where(TourStop.tour_id == self.tour)
                                              .order_by(TourStop.number)))
        for stop, row in zip(self.stops, rows):
            stop.id = row.id
        soak.log(f"tours: tour {self.tour} with {len(rows)} stops")

    async def act(self, soak, now: float) -> None:
        self.step_once(soak, self.name, lambda: self._step(soak, now))

    async def _step(self, soak, now: float) -> None:
        people = soak.people
        elapsed = (now - soak.term_started) / soak.profile.term_seconds
        moving = self.stops[-1]
        if "reschedule" not in moving.done and elapsed > 0.25:
            moving.done.add("reschedule")
            async with soak.stack.sessions() as session:
                row = await session.get(TourStop, moving.id)
                before = (row.uid, row.sequence)
            starts = datetime.now(soak.stack.settings.tz).replace(microsecond=0) + timedelta(days=4)
            answer = await people.call(soak.county.staff, "POST", f"/tour-stops/{moving.id}/reschedule", who="staff",
                                       what="reschedule_stop", json={"starts_at": starts.isoformat(),
                                                                     "ends_at": (starts + timedelta(hours=1)).isoformat()})
            if answer is not None and answer.status_code == 200:
                self.moved = before
        for stop in self.stops[:-1]:
            if ("checklist" not in stop.done):
                stop.done.add("checklist")
                await people.call(self.presenter, "PUT", f"/tour-stops/{stop.id}/checklist", who="teacher",
                                  what="tour_checklist", json={"ticked": [0, 1, 2, 3]},
                                  ack=("tour_stops", {"id": stop.id, "checklist_done_at": "<not null>"}))
            begun = now - soak.term_started > stop.starts
            if begun and now - soak.term_started < stop.starts + 60 * stop.minutes:
                await self._check_in(soak, stop)
            due = stop.feedback == "soon" or (stop.feedback == "late" and await self._asked(soak, stop))
            if begun and due and stop.contact and "feedback" not in stop.done and self.rng.random() < 0.5:
                stop.done.add("feedback")
                await people.call(stop.contact, "PUT", f"/tour-stops/{stop.id}/feedback", who="teacher",
                                  what="tour_feedback", json={"rating": 4, "strengths": "贴近学情",
                                                              "suggestions": "多留练习时间"},
                                  ack=("tour_feedback", {"stop_id": stop.id}))

    async def _asked(self, soak, stop: Stop) -> bool:
        async with soak.stack.sessions() as session:
            return bool(await notices_keyed(session, f"tour_stop:{stop.id}:feedback:"))

    async def _check_in(self, soak, stop: Stop) -> None:
        ready = [u for u in stop.teachers if u not in stop.done and self.rng.random() < 0.4][:TEACHER_BATCH]

        async def one(user: int) -> None:
            stop.done.add(user)
            if self.rng.random() >= soak.profile.never_act:
                answer = await soak.people.call(user, "POST", f"/tour-stops/{stop.id}/checkin", who="teacher",
                                                what="tour_checkin")
                if answer is not None and answer.status_code == 409:  # the window is not open yet: later
                    stop.done.discard(user)

        await asyncio.gather(*(one(u) for u in ready))

    # ---- what must hold ----

    async def settled(self, soak) -> bool:
        return (await self._feedback(soak)).ok

    async def invariants(self, soak) -> list[Result]:
        async with soak.stack.sessions() as session:
            moved = await session.get(TourStop, self.stops[-1].id)
        return [await self._feedback(soak), calendar_uid_kept(self.moved, (moved.uid, moved.sequence))]

    async def _feedback(self, soak) -> Result:
        async with soak.stack.sessions() as session:
            sent = await notices_keyed(session, "tour_stop:")
            feedback = dict((await session.execute(select(TourFeedback.stop_id, TourFeedback.submitted_at).where(
                TourFeedback.stop_id.in_([s.id for s in self.stops])))).all())
        asked = {s.id for s in self.stops[:-1]}  # their check-in closed within the term
        return feedback_chased_until_given(sent, feedback, asked)


def feedback_chased_until_given(sent: list[Sent], given: dict[int, datetime], asked: set[int]) -> Result:
    """Every stop whose check-in has closed is asked for its feedback; no request or chase is composed
    after the form came in."""
    requests: dict[int, list[Sent]] = {}
    for notice in sent:
        if notice.kind == "tour_feedback_requested":
            requests.setdefault(int(notice.key.split(":")[1]), []).append(notice)
    after = [n.key for stop, notices in requests.items() for n in notices
             if stop in given and given[stop] + ACTED_BEFORE < n.at]
    unasked = [f"stop {stop} never asked" for stop in sorted(asked) if stop not in requests and stop not in given]
    wrong = after + unasked
    return Result("反馈表催到交为止，交后不再催 feedback chased until given, never after", not wrong,
                  f"{sum(map(len, requests.values()))} requests over {len(asked)} stops asked, {len(given)} given, "
                  f"{len(after)} after the form, {len(unasked)} never asked", first(wrong))


def calendar_uid_kept(before: tuple[str, int] | None, after: tuple[str, int]) -> Result:
    """A rescheduled stop keeps its calendar UID and carries a higher SEQUENCE (RFC 5545)."""
    if before is None:
        return Result("改期后日历 UID 不变、SEQUENCE 增加 a moved stop keeps its UID with a higher SEQUENCE", False,
                      "the reschedule was never acknowledged")
    ok = before[0] == after[0] and after[1] > before[1]
    return Result("改期后日历 UID 不变、SEQUENCE 增加 a moved stop keeps its UID with a higher SEQUENCE", ok,
                  f"SEQUENCE {before[1]} → {after[1]}, UID {'kept' if before[0] == after[0] else 'changed'}",
                  "" if ok else f"before {before}, after {after}")
