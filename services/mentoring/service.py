"""Mentor pairs (青蓝工程): a programme per alliance and school year, its pairs and what the two
teachers record (logs, stage forms, improvement plans), under the rules below. Keyword-only
functions over a session; they flush, the caller commits."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.errors import Conflict, InvalidField
from contracts.mentoring.api import ImprovementPlanIn, LogIn, PairIn, ProgrammeIn, StageFormIn
from contracts.mentoring.history import PairStatus, Side, Verdict
from models import (
    Cluster, MentoringLog, MentoringPair, MentoringProgramme, MentoringStageForm, MentoringVerdict, School, Teacher,
    User,
)

SCHOOL_YEAR_STARTS = (9, 1)  # 1 September


def school_year_start(school_year: str) -> date:
    return date(int(school_year[:4]), *SCHOOL_YEAR_STARTS)


def default_stage_dates(school_year: str, month_days: str) -> list[date]:
    """MENTORING_STAGE_DATES ("01-20,07-05") placed in the school year that starts 1 September."""
    first = school_year_start(school_year)
    dates = []
    for month_day in month_days.split(","):
        month, day = (int(part) for part in month_day.strip().split("-"))
        dates.append(date(first.year if month >= first.month else first.year + 1, month, day))
    return sorted(dates)


def stage_dates(programme: MentoringProgramme, pair: MentoringPair) -> list[date]:
    """The pair's assessment dates: the programme's inside the pair's span, the last one moved to the
    pair's end (an extension moves the year-end assessment with it)."""
    inner = [date.fromisoformat(d) for d in programme.stage_dates[:-1]]
    return [d for d in inner if pair.starts_on < d < pair.ends_on] + [pair.ends_on]


def local_start(day: date, tz: ZoneInfo, at: time = time(0)) -> datetime:
    return datetime.combine(day, at, tz)


def form_deadline(due_on: date, tz: ZoneInfo) -> datetime:
    """A stage's forms are due by the end of its assessment day."""
    return local_start(due_on + timedelta(days=1), tz)


# ---- programmes and pairs ----


async def create_programme(session: AsyncSession, *, data: ProgrammeIn, actor: User, stage_month_days: str,
                           default_quota: int) -> MentoringProgramme:
    cluster = await session.get(Cluster, data.cluster_id)
    if cluster is None or cluster.lead_school_id is None:
        raise InvalidField("cluster_id", "须为有牵头校的教联体 (a cluster with a lead school)")
    taken = await session.scalar(select(MentoringProgramme.id).where(
        MentoringProgramme.cluster_id == data.cluster_id, MentoringProgramme.school_year == data.school_year))
    if taken is not None:
        raise Conflict(f"该教联体 {data.school_year} 学年的青蓝工程已存在 (exists)", programme_id=taken)
    dates = sorted(data.stage_dates) or default_stage_dates(data.school_year, stage_month_days)
    first = school_year_start(data.school_year)
    if not first < dates[0] or dates[-1] >= date(first.year + 1, *SCHOOL_YEAR_STARTS) + timedelta(days=366):
        raise InvalidField("stage_dates", "考评日期须在该学年内 (dates inside the school year)")
    programme = MentoringProgramme(
        cluster_id=data.cluster_id, school_year=data.school_year, title=data.title,
        stage_dates=[d.isoformat() for d in dates],
        monthly_log_quota=default_quota if data.monthly_log_quota < 0 else data.monthly_log_quota,
        created_by_user_id=actor.id,
    )
    session.add(programme)
    await session.flush()
    return programme


async def alliance_teacher(session: AsyncSession, *, programme: MentoringProgramme, teacher_id: int,
                           field: str) -> Teacher:
    """An active teacher of one of the alliance's schools, else 422 naming the field."""
    teacher = await session.get(Teacher, teacher_id)
    cluster_id = teacher and await session.scalar(select(School.cluster_id).where(School.id == teacher.school_id))
    if teacher is None or not teacher.active or cluster_id != programme.cluster_id:
        raise InvalidField(field, f"教师 {teacher_id} 不是本教联体的在职教师 (not a teacher of the alliance)")
    return teacher


def pair_span(programme: MentoringProgramme, data: PairIn) -> tuple[date, date]:
    starts_on = data.starts_on or school_year_start(programme.school_year)
    ends_on = data.ends_on or date.fromisoformat(programme.stage_dates[-1])
    if ends_on <= starts_on:
        raise InvalidField("ends_on", "结束日期须晚于开始日期 (ends_on after starts_on)")
    return starts_on, ends_on


async def create_pair(session: AsyncSession, *, programme: MentoringProgramme, data: PairIn,
                      actor: User) -> MentoringPair:
    for field in ("mentor_teacher_id", "mentee_teacher_id"):
        await alliance_teacher(session, programme=programme, teacher_id=getattr(data, field), field=field)
    if await pair_of_mentee(session, programme_id=programme.id, mentee_teacher_id=data.mentee_teacher_id):
        raise Conflict("该教师在本学年已有师傅 (the mentee already has a mentor this year)")
    starts_on, ends_on = pair_span(programme, data)
    pair = MentoringPair(programme_id=programme.id, mentor_teacher_id=data.mentor_teacher_id,
                         mentee_teacher_id=data.mentee_teacher_id, subject=data.subject, starts_on=starts_on,
                         ends_on=ends_on, goals=data.goals, created_by_user_id=actor.id)
    session.add(pair)
    await session.flush()
    return pair


async def pair_of_mentee(session: AsyncSession, *, programme_id: int, mentee_teacher_id: int) -> MentoringPair | None:
    return await session.scalar(select(MentoringPair).where(
        MentoringPair.programme_id == programme_id, MentoringPair.mentee_teacher_id == mentee_teacher_id))


async def live_pairs(session: AsyncSession, *, after_id: int, limit: int) -> list[tuple[int, str]]:
    """(id, who created it) of active pairs, for the reconciler."""
    rows = await session.execute(
        select(MentoringPair.id, User.username).outerjoin(User, User.id == MentoringPair.created_by_user_id)
        .where(MentoringPair.status == PairStatus.active, MentoringPair.id > after_id)
        .order_by(MentoringPair.id).limit(limit))
    return [(pair_id, username or "") for pair_id, username in rows]


# ---- the two people ----


@dataclass(frozen=True)
class People:
    """The pair's two teachers and their schools."""

    mentor: Teacher
    mentee: Teacher
    mentor_school: School
    mentee_school: School

    def teacher(self, side: Side) -> Teacher:
        return self.mentor if side is Side.mentor else self.mentee

    def school(self, side: Side) -> School:
        return self.mentor_school if side is Side.mentor else self.mentee_school

    def side_of(self, user_id: int) -> Side | None:
        return next((side for side in Side if self.teacher(side).user_id == user_id), None)


async def people_of(session: AsyncSession, pair: MentoringPair) -> People:
    mentor, mentee = await session.get(Teacher, pair.mentor_teacher_id), await session.get(Teacher, pair.mentee_teacher_id)
    return People(mentor=mentor, mentee=mentee, mentor_school=await session.get(School, mentor.school_id),
                  mentee_school=await session.get(School, mentee.school_id))


def _require_active(pair: MentoringPair) -> None:
    if pair.status != PairStatus.active:
        raise Conflict(f"结对已{'提前结束' if pair.status == PairStatus.ended else '完成'} (the pair is {pair.status})",
                       status=pair.status)


# ---- what the two record (a teacher acts: written here, the run reads it when it needs it) ----


async def add_log(session: AsyncSession, *, pair: MentoringPair, side: Side, user: User, data: LogIn,
                  now: datetime, tz: ZoneInfo) -> MentoringLog:
    _require_active(pair)
    if not pair.starts_on <= data.happened_on <= now.astimezone(tz).date():
        raise InvalidField("happened_on", "日期须在结对开始之后、今天之前 (between the pair's start and today)")
    log = MentoringLog(pair_id=pair.id, kind=data.kind, happened_on=data.happened_on, note=data.note, side=side,
                       author_user_id=user.id)
    session.add(log)
    await session.flush()
    return log


async def confirm_log(session: AsyncSession, *, log: MentoringLog, user: User, now: datetime) -> MentoringLog:
    """Confirming twice keeps the first confirmation."""
    if log.confirmed_at is None:
        log.confirmed_at, log.confirmed_by_user_id = now, user.id
        await session.flush()
    return log


async def logs_by_side(session: AsyncSession, *, pair_id: int, since: date, until: date) -> dict[Side, int]:
    """Logs each side wrote about days in [since, until)."""
    rows = await session.execute(
        select(MentoringLog.side, func.count()).where(
            MentoringLog.pair_id == pair_id, MentoringLog.happened_on >= since, MentoringLog.happened_on < until)
        .group_by(MentoringLog.side))
    counts = dict(rows.all())
    return {side: counts.get(side, 0) for side in Side}


def _require_current_stage(pair: MentoringPair, stage: int) -> None:
    _require_active(pair)
    if stage != pair.current_stage:
        raise Conflict(f"当前是第 {pair.current_stage} 阶段 (stage {pair.current_stage} is open)",
                       current_stage=pair.current_stage)


async def put_stage_form(session: AsyncSession, *, pair: MentoringPair, stage: int, side: Side, user: User,
                         data: StageFormIn, now: datetime) -> MentoringStageForm:
    """One form per side and stage, editable until the stage's verdict is 合格."""
    _require_current_stage(pair, stage)
    form = await stage_form(session, pair_id=pair.id, stage=stage, side=side)
    if form is None:
        form = MentoringStageForm(pair_id=pair.id, stage=stage, side=side)
        session.add(form)
    form.summary, form.next_goals, form.submitted_by_user_id, form.submitted_at = (
        data.summary, data.next_goals, user.id, now)
    await session.flush()
    return form


async def stage_form(session: AsyncSession, *, pair_id: int, stage: int, side: Side) -> MentoringStageForm | None:
    return await session.scalar(select(MentoringStageForm).where(
        MentoringStageForm.pair_id == pair_id, MentoringStageForm.stage == stage, MentoringStageForm.side == side))


async def missing_forms(session: AsyncSession, *, pair_id: int, stage: int) -> list[Side]:
    filed = set(await session.scalars(select(MentoringStageForm.side).where(
        MentoringStageForm.pair_id == pair_id, MentoringStageForm.stage == stage)))
    return [side for side in Side if side not in filed]


async def latest_verdict(session: AsyncSession, *, pair_id: int, stage: int) -> MentoringVerdict | None:
    return await session.scalar(select(MentoringVerdict).where(
        MentoringVerdict.pair_id == pair_id, MentoringVerdict.stage == stage)
        .order_by(MentoringVerdict.round.desc()).limit(1))


async def put_improvement_plan(session: AsyncSession, *, pair: MentoringPair, stage: int, data: ImprovementPlanIn,
                               now: datetime) -> MentoringVerdict:
    """After a verdict other than 合格, the pair's plan; the stage is then assessed again."""
    _require_current_stage(pair, stage)
    verdict = await latest_verdict(session, pair_id=pair.id, stage=stage)
    if verdict is None or verdict.verdict == Verdict.passed:
        raise Conflict("本阶段无需改进计划 (no improvement plan is asked for this stage)")
    verdict.improvement_plan, verdict.plan_filed_at = data.plan, now
    await session.flush()
    return verdict
