"""Fixture data for the evaluation tests: a term of the records the evaluation counts, written
straight to the database, with what was written kept in plain lists (`Term`) so each test counts
the expected figures itself, independently of the queries it checks."""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from contracts.campaigns.api import CampaignStatus
from contracts.campaigns.history import Phase, PlanStatus
from contracts.directory.api import Locality
from contracts.exchanges.history import ExchangeKind, ExchangeStatus
from contracts.library.api import BorrowKind, ResourceKind, ResourceStatus, Visibility
from contracts.mentoring.history import Verdict
from contracts.series.api import SessionStatus
from models import (
    Borrowing, Campaign, CampaignMember, CampaignPhase, CheckIn, Exchange, MentoringPair, MentoringProgramme, MentoringVerdict,
    Reflection, Resource, School, Series, SeriesParticipant, SeriesSession,
    SessionCheckin, SessionMinutes, Teacher, Topic, Training, User,
)

CLUSTER = 1  # 城区小学第一片: schools 1–4, teachers t0001–t0020


@dataclass
class Meeting:
    id: int
    host: int
    starts_at: datetime
    hours: int
    attendees: dict[int, int]  # user id → check-in id
    minutes_on_time: bool | None  # None: no minutes


@dataclass
class Term:
    start: date
    end: date
    teachers: dict[int, int]  # user id → school id
    participants: list[int]
    meetings: list[Meeting] = field(default_factory=list)
    training_checkins: list[tuple[int, int]] = field(default_factory=list)  # (training id, user id)
    reflections: list[tuple[int, int]] = field(default_factory=list)  # (reflection id, user id)
    campaign_id: int | None = None
    campaign_schools: set[int] = field(default_factory=set)
    topics: list[tuple[int, int]] = field(default_factory=list)  # (topic id, lead user id)
    stages_passed: list[tuple[int, int]] = field(default_factory=list)  # (verdict id, mentee's school id)
    resources: list[tuple[int, int]] = field(default_factory=list)  # (resource id, its school id)
    borrowings: list[tuple[int, int]] = field(default_factory=list)  # (borrowing id, the resource's school id)
    # (exchange id, teacher id, home school id, what, actual start, actual end or None)
    exchanges: list[tuple[int, int, int, str, date, date | None]] = field(default_factory=list)


async def write_term(session_factory, *, start: date, weeks: int, tz: ZoneInfo, seed: int) -> Term:
    """A term of cluster 1: a weekly series (a few sessions late in minutes, one short, one skipped),
    a completed campaign with trainings, topics and reflections; plus records outside the term or
    the cluster that must not count."""
    rng = random.Random(seed)
    end = start + timedelta(weeks=weeks, days=-1)
    async with session_factory() as session:
        teachers = dict((await session.execute(select(Teacher.user_id, Teacher.school_id).where(
            Teacher.school_id.in_([1, 2, 3, 4])))).all())
        other_cluster_user = await session.scalar(select(User.id).where(User.username == "t0021"))
        staff = await session.scalar(select(User.id).where(User.username == "staff01"))
        term = Term(start=start, end=end, teachers=teachers, participants=sorted(teachers)[:-2])
        series = Series(cluster_id=CLUSTER, title=f"周周有约 {start}", weekday=3, start_time=time(14),
                        end_time=time(17), term_start=start, term_end=end, announce_days_before=3,
                        checkin_opens_minutes_before=30, checkin_closes_minutes_after=60, minutes_due_days=3,
                        escalate_after_days=2)
        session.add(series)
        await session.flush()
        joined = datetime.combine(start - timedelta(days=7), time(8), tz)
        session.add_all(SeriesParticipant(series_id=series.id, teacher_id=1, user_id=user_id, joined_at=joined)
                        for user_id in term.participants)
        for week in range(weeks):
            starts_at = datetime.combine(start + timedelta(days=week * 7 + 2), time(14), tz)
            hours = 2 if week == 1 else 3
            status = SessionStatus.skipped if week == 2 else SessionStatus.held
            meeting = SeriesSession(series_id=series.id, number=week + 1, week=week + 1, starts_at=starts_at,
                                    ends_at=starts_at + timedelta(hours=hours), status=status,
                                    host_school_id=1 + week % 4)
            session.add(meeting)
            await session.flush()
            attendees = {}
            for user_id in rng.sample(term.participants, rng.randint(5, len(term.participants))):
                checkin = SessionCheckin(session_id=meeting.id, user_id=user_id, checked_in_at=starts_at)
                session.add(checkin)
                await session.flush()
                attendees[user_id] = checkin.id
            on_time = None if week == weeks - 1 else week % 3 != 0
            if on_time is not None:
                submitted = starts_at + timedelta(days=1 if on_time else 5)
                session.add(SessionMinutes(session_id=meeting.id, content="纪要", submitted_by_user_id=staff,
                                           submitted_at=submitted, updated_at=submitted))
            if status == SessionStatus.held:
                term.meetings.append(Meeting(meeting.id, meeting.host_school_id, starts_at, hours, attendees, on_time))
        # Outside the term, and in another cluster: neither counts.
        before = datetime.combine(start - timedelta(days=60), time(14), tz)
        session.add(SeriesSession(series_id=series.id, number=99, week=0, starts_at=before,
                                  ends_at=before + timedelta(hours=3), status=SessionStatus.held, host_school_id=1))

        campaign = Campaign(title=f"订单式教研 {start}", cluster_ids=[CLUSTER], params={}, status=CampaignStatus.completed,
                            phase=Phase.completed, created_by=staff)
        session.add(campaign)
        await session.flush()
        term.campaign_id = campaign.id
        members = rng.sample(sorted(teachers), 12)
        session.add_all(CampaignMember(campaign_id=campaign.id, user_id=user_id, teacher_id=1,
                                       school_id=teachers[user_id], cluster_id=CLUSTER) for user_id in members)
        term.campaign_schools = {teachers[user_id] for user_id in members}
        closed = datetime.combine(end - timedelta(days=5), time(12), tz)
        session.add(CampaignPhase(campaign_id=campaign.id, phase=Phase.reflect, position=4, closed_at=closed))
        for position, lead in enumerate(rng.sample(members, 3)):
            topic = Topic(campaign_id=campaign.id, position=position, title=f"专题{position}", lead_user_id=lead,
                          confirmed_by=staff, plan_status=PlanStatus.approved,
                          summary_at=closed if position < 2 else None)
            session.add(topic)
            await session.flush()
            if position < 2:
                term.topics.append((topic.id, lead))
        for number in range(3):
            at = datetime.combine(start + timedelta(days=10 + number * 7), time(9), tz)
            training = Training(campaign_id=campaign.id, topic_id=topic.id, title=f"培训{number}", expert="李教授",
                                starts_at=at, ends_at=at + timedelta(hours=2), scheduled_by=staff)
            session.add(training)
            await session.flush()
            for user_id in rng.sample(members, rng.randint(3, len(members))):
                session.add(CheckIn(training_id=training.id, user_id=user_id, campaign_id=campaign.id, checked_in_at=at))
                term.training_checkins.append((training.id, user_id))
            session.add(CheckIn(training_id=training.id, user_id=other_cluster_user, campaign_id=campaign.id,
                                checked_in_at=at))
        for user_id in rng.sample(members, 8):
            reflection = Reflection(campaign_id=campaign.id, user_id=user_id, text="反思",
                                    created_at=datetime.combine(end - timedelta(days=2), time(20), tz))
            session.add(reflection)
            await session.flush()
            term.reflections.append((reflection.id, user_id))
        await _mentor_pairs(session, term, rng, tz=tz, staff=staff)
        await _library(session, term, rng)
        await _exchanges(session, term, rng, seed=seed)
        await session.commit()
    return term


async def _mentor_pairs(session, term: Term, rng: random.Random, *, tz: ZoneInfo, staff: int) -> None:
    """Pairs of cluster 1 with stage verdicts: passed or not, inside the term or before any term."""
    teachers = dict((await session.execute(select(Teacher.id, Teacher.school_id).where(
        Teacher.school_id.in_([1, 2, 3, 4])))).all())
    programme = MentoringProgramme(cluster_id=CLUSTER, school_year=f"{term.start.year}-{term.start.year + 1}",
                                   title=f"青蓝工程 {term.start}", created_by_user_id=staff)
    session.add(programme)
    await session.flush()
    ids = sorted(teachers)
    for mentor, mentee in zip(ids[::2], ids[1::2]):
        pair = MentoringPair(programme_id=programme.id, mentor_teacher_id=mentor, mentee_teacher_id=mentee,
                             subject="语文", starts_on=term.start, ends_on=term.end)
        session.add(pair)
        await session.flush()
        for stage in (1, 2):
            verdict = rng.choice([Verdict.passed, Verdict.passed, Verdict.needs_improvement])
            inside = rng.random() < 0.8
            decided = datetime.combine(term.end - timedelta(days=3) if inside else term.start - timedelta(days=40),
                                       time(10), tz)
            row = MentoringVerdict(pair_id=pair.id, stage=stage, verdict=verdict, decided_by_user_id=staff,
                                   decided_at=decided)
            session.add(row)
            await session.flush()
            if verdict == Verdict.passed and inside:
                term.stages_passed.append((row.id, teachers[mentee]))


async def _exchanges(session, term: Term, rng: random.Random, *, seed: int) -> None:
    """Exchanges of cluster 1's teachers: long ones with a rural school of cluster 2 (begun a year
    before the term ends, so they span the term before too), short ones inside the alliance, one too
    short, a 兼职副校长 and a cancelled one (neither counts)."""
    rural = await session.scalar(select(School).where(School.cluster_id == 2).order_by(School.id))
    rural.locality = Locality.rural
    teachers = list((await session.execute(select(Teacher.id, Teacher.school_id).where(
        Teacher.school_id.in_([1, 2, 3, 4])).order_by(Teacher.id))).all())
    rng.shuffle(teachers)
    plans = [("long", 400), ("long", 380), ("short", 20), ("short", 9), ("short", 5), ("vice", 60), ("cancel", 30)]
    for number, ((teacher_id, school_id), (what, days)) in enumerate(zip(teachers, plans)):
        # A long one began before the term and ends with it (it spans the term before, too).
        start = term.end - timedelta(days=days) if what == "long" else term.start + timedelta(days=3)
        host = rural.id if what == "long" else 1 + school_id % 4
        kind = {"long": ExchangeKind.long, "vice": ExchangeKind.vice_principal}.get(what, ExchangeKind.short)
        status = ExchangeStatus.cancelled if what == "cancel" else ExchangeStatus.away
        end = start + timedelta(days=days)
        exchange = Exchange(import_key=f"evaluation-{seed}-{number}", teacher_id=teacher_id, home_school_id=school_id,
                            host_school_id=host, kind=kind, planned_start=start, planned_end=start + timedelta(days=days),
                            actual_start=start, actual_end=end, status=status)
        session.add(exchange)
        await session.flush()
        term.exchanges.append((exchange.id, teacher_id, school_id, what, start, end))


async def _library(session, term: Term, rng: random.Random) -> None:
    """Resources of cluster 1's schools, taken up (downloaded, used) by other schools or their own."""
    users = term.teachers
    for number in range(6):
        author = rng.choice(sorted(users))
        resource = Resource(kind=ResourceKind.lesson_plan, title=f"教案{number}", visibility=Visibility.alliance,
                            school_id=users[author], cluster_id=CLUSTER, author_user_id=author, term="t",
                            status=ResourceStatus.withdrawn if number == 5 else ResourceStatus.published,
                            created_at=datetime.combine(term.start + timedelta(days=number + 1), time(9), ZoneInfo("UTC")))
        session.add(resource)
        await session.flush()
        if number < 5:
            term.resources.append((resource.id, users[author]))
        for reader in rng.sample(sorted(users), 6):
            kind = rng.choice([BorrowKind.download, BorrowKind.use, BorrowKind.view])
            borrowing = Borrowing(resource_id=resource.id, user_id=reader, school_id=users[reader], kind=kind, term="t",
                                  created_at=datetime.combine(term.end - timedelta(days=2), time(9), ZoneInfo("UTC")))
            session.add(borrowing)
            await session.flush()
            if kind != BorrowKind.view and users[reader] != users[author]:  # a withdrawn one was taken up too
                term.borrowings.append((borrowing.id, users[author]))
