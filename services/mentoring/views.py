"""What the pages and the API show of mentor pairs: a pair with its stages, forms, verdicts and
logs; the staff board (pairs behind, the alliance's teachers without a mentor)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.mentoring.api import (
    Board, LogOut, PairDetail, PairOut, PairRow, ProgrammeOut, StageFormOut, StageView, TeacherRef,
)
from contracts.mentoring.history import PairStatus, Side, Verdict
from models import (
    Cluster, MentoringLog, MentoringPair, MentoringProgramme, MentoringStageForm, MentoringVerdict, School, Teacher,
)
from services.mentoring.service import form_deadline, logs_by_side, missing_forms, people_of, stage_dates


async def pair_detail(session: AsyncSession, *, pair: MentoringPair) -> PairDetail:
    programme = await session.get(MentoringProgramme, pair.programme_id)
    people = await people_of(session, pair)
    forms = (await session.scalars(select(MentoringStageForm).where(MentoringStageForm.pair_id == pair.id))).all()
    verdicts = (await session.scalars(select(MentoringVerdict).where(MentoringVerdict.pair_id == pair.id)
                                      .order_by(MentoringVerdict.stage, MentoringVerdict.round))).all()
    logs = (await session.scalars(select(MentoringLog).where(MentoringLog.pair_id == pair.id)
                                  .order_by(MentoringLog.happened_on.desc(), MentoringLog.id.desc()))).all()
    stages = [
        StageView(
            number=number, due_on=due_on, current=pair.status == PairStatus.active and number == pair.current_stage,
            forms={side: next((StageFormOut.model_validate(f) for f in forms if f.stage == number and f.side == side),
                              None) for side in Side},
            verdicts=[{"verdict": v.verdict, "label": Verdict(v.verdict).label,
                       "comment": v.comment, "decided_at": v.decided_at, "improvement_plan": v.improvement_plan}
                      for v in verdicts if v.stage == number],
        )
        for number, due_on in enumerate(stage_dates(programme, pair), start=1)
    ]
    return PairDetail(
        **PairOut.model_validate(pair).model_dump(), mentor_name=people.mentor.name, mentee_name=people.mentee.name,
        mentor_school=people.mentor_school.name, mentee_school=people.mentee_school.name,
        programme_title=programme.title, school_year=programme.school_year,
        monthly_log_quota=programme.monthly_log_quota, stages=stages,
        logs=[LogOut.model_validate(log) for log in logs],
    )


async def behind(session: AsyncSession, *, programme: MentoringProgramme, pair: MentoringPair, now: datetime,
                 tz: ZoneInfo) -> list[str]:
    """Why the pair is behind, in words: last month's logs under the quota, a stage form overdue."""
    reasons = []
    today = now.astimezone(tz).date()
    if programme.monthly_log_quota:
        month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        if month >= pair.starts_on:
            counts = await logs_by_side(session, pair_id=pair.id, since=month, until=today.replace(day=1))
            reasons += [f"{side.label}{month:%m}月记录 {counts[side]}/{programme.monthly_log_quota}"
                        for side in Side if counts[side] < programme.monthly_log_quota]
    due_on = stage_dates(programme, pair)[pair.current_stage - 1]
    if now >= form_deadline(due_on, tz):
        missing = await missing_forms(session, pair_id=pair.id, stage=pair.current_stage)
        reasons += [f"{side.label}第{pair.current_stage}阶段考评表逾期" for side in missing]
    return reasons


async def board(session: AsyncSession, *, programme: MentoringProgramme, now: datetime, tz: ZoneInfo) -> Board:
    pairs = (await session.scalars(select(MentoringPair).where(MentoringPair.programme_id == programme.id)
                                   .order_by(MentoringPair.id))).all()
    names = dict((await session.execute(select(Teacher.id, Teacher.name).where(
        Teacher.id.in_({p.mentor_teacher_id for p in pairs} | {p.mentee_teacher_id for p in pairs})))).all())
    rows = []
    for pair in pairs:
        late = await behind(session, programme=programme, pair=pair, now=now, tz=tz) if pair.status == PairStatus.active else []
        rows.append(PairRow(id=pair.id, mentor_name=names[pair.mentor_teacher_id],
                            mentee_name=names[pair.mentee_teacher_id], subject=pair.subject, status=pair.status,
                            current_stage=pair.current_stage, behind=late))
    paired = {p.mentee_teacher_id for p in pairs if p.status != PairStatus.ended} | {
        p.mentor_teacher_id for p in pairs if p.status != PairStatus.ended}
    alone = await session.execute(
        select(Teacher.id, Teacher.name, School.name).join(School, School.id == Teacher.school_id)
        .where(School.cluster_id == programme.cluster_id, Teacher.active, Teacher.id.not_in(paired))
        .order_by(School.id, Teacher.id))
    return Board(programme=ProgrammeOut.model_validate(programme), pairs=rows, behind=[r for r in rows if r.behind],
                 without_mentor=[TeacherRef(id=i, name=n, school=s) for i, n, s in alone])


async def pairs_of_user(session: AsyncSession, *, user_id: int) -> list[MentoringPair]:
    """The pairs she is a teacher of, newest first."""
    teacher_id = await session.scalar(select(Teacher.id).where(Teacher.user_id == user_id))
    return list((await session.scalars(select(MentoringPair).where(
        (MentoringPair.mentor_teacher_id == teacher_id) | (MentoringPair.mentee_teacher_id == teacher_id))
        .order_by(MentoringPair.id.desc()))).all())


async def alliance_teachers(session: AsyncSession, *, programme: MentoringProgramme) -> list[TeacherRef]:
    """The alliance's active teachers, school by school: the choices of a pair's two sides."""
    rows = await session.execute(
        select(Teacher.id, Teacher.name, School.name).join(School, School.id == Teacher.school_id)
        .where(School.cluster_id == programme.cluster_id, Teacher.active).order_by(School.id, Teacher.id))
    return [TeacherRef(id=i, name=n, school=s) for i, n, s in rows]


async def programmes(session: AsyncSession, *, led_by_user_id: int | None = None) -> list[MentoringProgramme]:
    """Every programme, newest school year first; or those of the alliances whose lead school the
    user speaks for (its contact, the cluster's organiser)."""
    stmt = select(MentoringProgramme).order_by(MentoringProgramme.school_year.desc(), MentoringProgramme.id)
    if led_by_user_id is not None:
        stmt = (stmt.join(Cluster, Cluster.id == MentoringProgramme.cluster_id)
                .join(School, School.id == Cluster.lead_school_id)
                .where((Cluster.organiser_user_id == led_by_user_id) | (School.contact_user_id == led_by_user_id)))
    return list((await session.scalars(stmt)).all())
