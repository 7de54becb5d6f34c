"""What people decide in a round, each under its stage rule (409 naming the stage): a school
confirms or disputes its values, staff answer a dispute, a school's contact enters an indicator
with its evidence, staff override a score with a reason, staff publish."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.errors import Conflict, InvalidField, NotFound
from contracts.evaluation.api import AnswerIn, EntryIn, OverrideIn, ReviewDecision, ReviewIn
from contracts.evaluation.history import RoundStage
from contracts.evaluation.scheme import SourceKind
from models import EvaluationReview, EvaluationRound, EvaluationScheme, EvaluationValue, User
from services.evaluation import scoring
from services.evaluation.schemes import scheme_of
from services.evaluation.service import require_stage

OPEN_FOR_ENTRIES = (RoundStage.review, RoundStage.scoring)


async def review_of(session: AsyncSession, *, round_id: int, school_id: int) -> EvaluationReview:
    review = await session.scalar(select(EvaluationReview).where(
        EvaluationReview.round_id == round_id, EvaluationReview.school_id == school_id))
    if review is None:
        raise NotFound("学校考评确认", school_id)
    return review


async def decide_review(session: AsyncSession, *, round_: EvaluationRound, school_id: int, data: ReviewIn,
                        actor: User, now: datetime) -> EvaluationReview:
    require_stage(round_, RoundStage.review)
    review = await review_of(session, round_id=round_.id, school_id=school_id)
    if review.status != "pending":
        raise Conflict(f"本校已{'确认' if review.status == 'confirmed' else '提出异议'} (already decided)",
                       status=review.status)
    review.status = "confirmed" if data.decision == ReviewDecision.confirm else "disputed"
    review.reason, review.decided_by, review.decided_at = data.reason, actor.id, now
    await session.flush()
    return review


async def answer_dispute(session: AsyncSession, *, round_: EvaluationRound, school_id: int, data: AnswerIn,
                         actor: User, now: datetime) -> EvaluationReview:
    require_stage(round_, RoundStage.review, RoundStage.scoring)
    review = await review_of(session, round_id=round_.id, school_id=school_id)
    if review.status != "disputed":
        raise Conflict("该校没有待答复的异议 (no open dispute)", status=review.status)
    review.status, review.answer, review.answered_by, review.answered_at = "answered", data.answer, actor.id, now
    await session.flush()
    return review


async def value_in_round(session: AsyncSession, *, round_: EvaluationRound, value_id: int) -> EvaluationValue:
    value = await session.get(EvaluationValue, value_id)
    if value is None or value.round_id != round_.id:
        raise NotFound("考评指标值", value_id)
    return value


async def enter(session: AsyncSession, *, round_: EvaluationRound, value: EvaluationValue, data: EntryIn,
                actor: User, now: datetime) -> EvaluationValue:
    """A school's entered indicator; the alliance's value is the sum of its schools' entries."""
    require_stage(round_, *OPEN_FOR_ENTRIES)
    scheme = scheme_of(await session.get(EvaluationScheme, round_.scheme_id))
    indicator = scheme.indicator(value.indicator)
    if indicator.source != SourceKind.entered or value.school_id is None:
        raise InvalidField("value", "该指标由系统统计，不能填报 (this indicator is not entered by schools)")
    value.value, value.evidence, value.entered_by, value.entered_at = data.value, data.evidence, actor.id, now
    value.records = [f"entry:{value.id}"]
    value.score = scoring.score(indicator, value.value, value.target)
    schools = list(await session.scalars(select(EvaluationValue).where(
        EvaluationValue.round_id == round_.id, EvaluationValue.indicator == value.indicator)))
    alliance = next(row for row in schools if row.school_id is None)
    entered = [row for row in schools if row.school_id is not None and row.value is not None]
    alliance.value = sum(row.value for row in entered)
    alliance.records = sorted(f"entry:{row.id}" for row in entered)
    alliance.target = value.target * (len(schools) - 1)
    alliance.score = scoring.score(indicator, alliance.value, alliance.target)
    await session.flush()
    return value


async def override(session: AsyncSession, *, round_: EvaluationRound, value: EvaluationValue, data: OverrideIn,
                   actor: User) -> EvaluationValue:
    require_stage(round_, RoundStage.scoring)
    weight = scheme_of(await session.get(EvaluationScheme, round_.scheme_id)).indicator(value.indicator).weight
    if data.score > weight:
        raise InvalidField("score", f"不能超过该指标的权重 {weight} 分 (at most the indicator's weight)")
    value.override_score, value.override_reason, value.overridden_by = data.score, data.reason, actor.id
    await session.flush()
    return value


async def publish(session: AsyncSession, *, round_: EvaluationRound, actor: User, now: datetime) -> None:
    """Freeze the round: from now on no write path accepts it (every one checks the stage)."""
    require_stage(round_, RoundStage.scoring)
    open_disputes = await session.scalar(select(EvaluationReview.id).where(
        EvaluationReview.round_id == round_.id, EvaluationReview.status == "disputed").limit(1))
    if open_disputes is not None:
        raise Conflict("还有未答复的异议 (a dispute is not answered yet)", stage=round_.stage)
    round_.stage, round_.published_at, round_.published_by = RoundStage.published, now, actor.id
    await session.flush()
