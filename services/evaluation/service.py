"""Rounds (考评轮次): one per alliance (a cluster with a lead school) per term, and the scope its
queries count in."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.errors import Conflict, InvalidField
from contracts.evaluation.api import RoundIn
from contracts.evaluation.history import LIVE_STAGES, RoundStage
from models import Cluster, EvaluationRound, EvaluationScheme, School, Teacher, User
from services.evaluation import schemes
from services.evaluation.sources import Scope


async def create_round(session: AsyncSession, *, data: RoundIn, actor: User, now: datetime,
                       tz: ZoneInfo) -> EvaluationRound:
    cluster = await session.get(Cluster, data.cluster_id)
    if cluster is None:
        raise InvalidField("cluster_id", f"片区 {data.cluster_id} 不存在 (no such cluster)")
    if cluster.lead_school_id is None:
        raise InvalidField("cluster_id", "该片区没有牵头校，不是教联体 (an alliance needs a lead school)")
    if await session.scalar(select(EvaluationRound.id).where(
            EvaluationRound.cluster_id == data.cluster_id, EvaluationRound.term == data.term)) is not None:
        raise Conflict(f"该教联体 {data.term} 学期已有考评 (this alliance has a round for the term)")
    collect_until = datetime.combine(data.term_end + timedelta(days=1), time(0), tz)
    if collect_until <= now:
        raise InvalidField("term_end", "学期已结束，无法再采集 (the term is over)")
    scheme = await schemes.current(session)
    row = EvaluationRound(
        cluster_id=data.cluster_id, term=data.term, term_start=data.term_start, term_end=data.term_end,
        scheme_id=scheme.id, collect_until=collect_until, review_until=collect_until + timedelta(days=data.review_days),
        reminder_days=sorted(set(data.reminder_days), reverse=True), created_by=actor.id,
    )
    session.add(row)
    await session.flush()
    return row


async def scheme_version(session: AsyncSession, round_: EvaluationRound) -> int:
    return await session.scalar(select(EvaluationScheme.version).where(EvaluationScheme.id == round_.scheme_id))


async def schools_of(session: AsyncSession, cluster_id: int) -> dict[int, str]:
    return dict((await session.execute(
        select(School.id, School.name).where(School.cluster_id == cluster_id).order_by(School.id))).all())


async def scope_of(session: AsyncSession, round_: EvaluationRound, *, tz: ZoneInfo) -> Scope:
    school_ids = list(await schools_of(session, round_.cluster_id))
    teachers = dict((await session.execute(select(Teacher.user_id, Teacher.school_id).where(
        Teacher.school_id.in_(school_ids), Teacher.active, Teacher.user_id.is_not(None)))).all())
    return Scope(cluster_id=round_.cluster_id, school_ids=school_ids, teachers=teachers,
                 term_start=round_.term_start, term_end=round_.term_end, tz=tz)


async def rounds(session: AsyncSession, *, cluster_ids: set[int] | None = None) -> list[EvaluationRound]:
    """Newest term first; `cluster_ids`: only those alliances'."""
    stmt = select(EvaluationRound).order_by(EvaluationRound.term_start.desc(), EvaluationRound.id)
    if cluster_ids is not None:
        stmt = stmt.where(EvaluationRound.cluster_id.in_(cluster_ids))
    return list(await session.scalars(stmt))


async def live_rounds(session: AsyncSession, *, after_id: int, limit: int) -> list[tuple[int, str]]:
    """A page of the rounds that should have a run, in id order after `after_id`: (id, username of
    who opened it). The reconciler (engine/reconcile.py) pages them."""
    rows = await session.execute(
        select(EvaluationRound.id, User.username).join(User, User.id == EvaluationRound.created_by)
        .where(EvaluationRound.stage.in_(LIVE_STAGES), EvaluationRound.id > after_id)
        .order_by(EvaluationRound.id).limit(limit))
    return [(round_id, username) for round_id, username in rows]


def require_stage(round_: EvaluationRound, *stages: RoundStage) -> None:
    """409 naming the stage the round is in."""
    if round_.stage not in stages:
        raise Conflict(f"考评处于「{round_.stage}」阶段，不能进行此操作 (not allowed in this stage)",
                       stage=round_.stage)


async def previous_round(session: AsyncSession, round_: EvaluationRound) -> EvaluationRound | None:
    return await session.scalar(select(EvaluationRound).where(
        EvaluationRound.cluster_id == round_.cluster_id, EvaluationRound.term_start < round_.term_start,
    ).order_by(EvaluationRound.term_start.desc()).limit(1))
