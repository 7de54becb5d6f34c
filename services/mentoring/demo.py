"""A year of mentor pairs (青蓝工程) in the demo county: 初中联片's programme for the school year
under way (its staff set a quota of 2 logs a month), five pairs with what they logged so far, one
mentee behind; and last year's programme with a pair completed, so its certificate can be opened.
Dates follow today's; the people are fixed (t0041 … t0060). Live pairs get their runs from the
worker's reconciler."""

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.mentoring.api import LogKind
from contracts.mentoring.history import PairStatus, Side, Verdict
from models import (
    Cluster, MentoringLog, MentoringPair, MentoringProgramme, MentoringStageForm, MentoringVerdict, Teacher, User,
)
from services.mentoring.service import default_stage_dates

ALLIANCE = "初中联片"
STAGE_DATES = "01-20,07-05"
# (mentor, mentee, subject, goals); the second mentee logs nothing.
PAIRS = [
    ("t0042", "t0045", "数学", "一学年内独立执教校级公开课，形成单元作业设计一份"),
    ("t0047", "t0050", "英语", "站稳讲台：听评课不少于 20 节，每月一篇教学反思"),
    ("t0052", "t0055", "物理", "掌握实验教学常规，指导学生完成两个探究实验"),
    ("t0057", "t0060", "历史", "参加区级优质课评比"),
    ("t0043", "t0049", "数学", "跨校结对：每月互听一节课"),
]
LAST_YEAR = ("t0044", "t0048", "数学", "站稳讲台")
NOTES = {LogKind.observe: "听课：新授课", LogKind.critique: "评课：提问设计", LogKind.guide: "指导：教学设计修改"}


def _school_year(today: date) -> int:
    return today.year if today.month >= 9 else today.year - 1


async def load_demo_pairs(session: AsyncSession, *, now: datetime) -> None:
    today = now.astimezone(timezone(timedelta(hours=8))).date()
    staff = await session.scalar(select(User.id).where(User.username == "staff01"))
    cluster = await session.scalar(select(Cluster).where(Cluster.name == ALLIANCE))
    teachers = {t.staff_no: t for t in await session.scalars(select(Teacher))}
    year = _school_year(today)
    for first, pairs, completed in ((year - 1, [LAST_YEAR], True), (year, PAIRS, False)):
        school_year = f"{first}-{first + 1}"
        dates = default_stage_dates(school_year, STAGE_DATES)
        programme = MentoringProgramme(cluster_id=cluster.id, school_year=school_year, title="青蓝工程",
                                       stage_dates=[d.isoformat() for d in dates], monthly_log_quota=2,
                                       created_by_user_id=staff)
        session.add(programme)
        await session.flush()
        for number, (mentor, mentee, subject, goals) in enumerate(pairs):
            pair = MentoringPair(
                programme_id=programme.id, mentor_teacher_id=teachers[mentor].id, mentee_teacher_id=teachers[mentee].id,
                subject=subject, goals=goals, starts_on=date(first, 9, 1), ends_on=dates[-1], created_by_user_id=staff,
                status=PairStatus.completed if completed else PairStatus.active,
                current_stage=len(dates) if completed else 1)
            session.add(pair)
            await session.flush()
            _logs(session, pair, teachers[mentor], teachers[mentee], today=min(today, dates[-1]), silent_mentee=number == 1)
            if completed:
                _assessed(session, pair, [teachers[mentor], teachers[mentee]], dates, staff)
    await session.flush()


def _logs(session: AsyncSession, pair: MentoringPair, mentor: Teacher, mentee: Teacher, *, today: date,
          silent_mentee: bool) -> None:
    """Two logs a side every month so far (the silent mentee none); the older ones confirmed."""
    day = pair.starts_on + timedelta(days=9)
    while day < today:
        for side, teacher, kind in ((Side.mentor, mentor, LogKind.guide), (Side.mentee, mentee, LogKind.observe),
                                    (Side.mentee, mentee, LogKind.critique), (Side.mentor, mentor, LogKind.observe)):
            if day >= today:
                return
            if side is Side.mentee and silent_mentee:
                continue
            confirmed = day < today - timedelta(days=14)
            other = mentee if side is Side.mentor else mentor
            session.add(MentoringLog(
                pair_id=pair.id, kind=kind, happened_on=day, note=NOTES[kind], side=side, author_user_id=teacher.user_id,
                confirmed_at=datetime.combine(day, datetime.min.time(), timezone.utc) + timedelta(days=2) if confirmed else None,
                confirmed_by_user_id=other.user_id if confirmed else None))
            day += timedelta(days=4)
        day += timedelta(days=14)


def _assessed(session: AsyncSession, pair: MentoringPair, teachers: list[Teacher], dates: list[date],
              staff: int) -> None:
    for stage, due in enumerate(dates, start=1):
        at = datetime.combine(due, datetime.min.time(), timezone.utc)
        for side, teacher in zip(Side, teachers):
            session.add(MentoringStageForm(pair_id=pair.id, stage=stage, side=side, summary="按计划完成本阶段任务",
                                           submitted_by_user_id=teacher.user_id, submitted_at=at - timedelta(days=3)))
        session.add(MentoringVerdict(pair_id=pair.id, stage=stage, verdict=Verdict.passed, comment="合格",
                                     decided_by_user_id=staff, decided_at=at + timedelta(days=2)))
