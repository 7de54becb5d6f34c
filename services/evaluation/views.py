"""A round as pages, reports and the API read it: every value at every level with the records
behind it and its change since the previous term, the levels' totals per dimension, the
schools' reviews, and the county median of the term's rounds."""

from collections import defaultdict
from statistics import median

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.evaluation.api import LevelOut, ReviewOut, RoundDetail, RoundOut, ValueOut
from contracts.evaluation.scheme import Dimension, Scheme
from models import EvaluationReview, EvaluationRound, EvaluationScheme, EvaluationValue
from services.evaluation import scoring
from services.evaluation.refresh import values_of
from services.evaluation.schemes import scheme_of
from services.evaluation.service import previous_round, scheme_version, schools_of


async def round_out(session: AsyncSession, round_: EvaluationRound) -> RoundOut:
    return RoundOut(
        id=round_.id, cluster_id=round_.cluster_id, term=round_.term, term_start=round_.term_start,
        term_end=round_.term_end, stage=round_.stage, scheme_version=await scheme_version(session, round_),
        collect_until=round_.collect_until, review_until=round_.review_until, published_at=round_.published_at,
        workflow_id=round_.workflow_id)


async def _scheme(session: AsyncSession, round_: EvaluationRound) -> Scheme:
    return scheme_of(await session.get(EvaluationScheme, round_.scheme_id))


async def level_totals(session: AsyncSession, round_: EvaluationRound) -> dict[int | None, tuple[float, dict]]:
    scheme = await _scheme(session, round_)
    by_level: dict[int | None, list[EvaluationValue]] = defaultdict(list)
    for (_, school_id), row in (await values_of(session, round_.id)).items():
        by_level[school_id].append(row)
    return {level: scoring.level_totals(scheme, rows) for level, rows in by_level.items()}


async def county_median(session: AsyncSession, round_: EvaluationRound) -> dict[Dimension, float]:
    """Per dimension, the median of the alliances' scores in rounds of the same term."""
    per_dimension: dict[Dimension, list[float]] = defaultdict(list)
    for other in await session.scalars(select(EvaluationRound).where(EvaluationRound.term == round_.term)):
        totals = await level_totals(session, other)
        if None in totals:
            for dimension, share in totals[None][1].items():
                per_dimension[dimension].append(share)
    return {dimension: round(median(per_dimension[dimension]), 1) if per_dimension[dimension] else 0.0
            for dimension in Dimension}


async def round_detail(session: AsyncSession, round_: EvaluationRound) -> RoundDetail:
    scheme = await _scheme(session, round_)
    schools = await schools_of(session, round_.cluster_id)
    values = await values_of(session, round_.id)
    before = await previous_round(session, round_)
    previous = await values_of(session, before.id) if before else {}
    previous_totals = await level_totals(session, before) if before else {}
    order = {indicator.code: position for position, indicator in enumerate(scheme.indicators)}
    value_rows = []
    for (code, school_id), row in sorted(values.items(), key=lambda item: (item[0][1] or 0, order.get(item[0][0], 99))):
        if code not in order:
            continue
        indicator = scheme.indicator(code)
        earlier = previous.get((code, school_id))
        earlier_value = earlier.value if earlier else None
        value_rows.append(ValueOut(
            id=row.id, indicator=code, label=indicator.label, dimension=indicator.dimension, school_id=school_id,
            value=row.value, target=row.target,
            score=row.override_score if row.override_score is not None else row.score, computed_score=row.score,
            override_reason=row.override_reason, previous=earlier_value,
            change=None if earlier_value is None or row.value is None else round(row.value - earlier_value, 1),
            records=row.records, evidence=row.evidence,
        ))
    totals = await level_totals(session, round_)
    levels = [LevelOut(school_id=level, name=schools.get(level, "教联体整体"), total=totals[level][0],
                       dimensions=totals[level][1],
                       previous_total=previous_totals[level][0] if level in previous_totals else None)
              for level in (None, *schools) if level in totals]
    reviews = [ReviewOut(school_id=review.school_id, school=schools.get(review.school_id, ""), status=review.status,
                         reason=review.reason, answer=review.answer)
               for review in await session.scalars(select(EvaluationReview).where(
                   EvaluationReview.round_id == round_.id).order_by(EvaluationReview.school_id))]
    return RoundDetail(**(await round_out(session, round_)).model_dump(), levels=levels, values=value_rows,
                       reviews=reviews, county_median=await county_median(session, round_))


async def terms_of(session: AsyncSession, round_: EvaluationRound) -> list[tuple[str, dict[Dimension, float]]]:
    """The alliance's dimension scores term by term, up to this round (the line per dimension)."""
    rows = await session.scalars(select(EvaluationRound).where(
        EvaluationRound.cluster_id == round_.cluster_id, EvaluationRound.term_start <= round_.term_start,
    ).order_by(EvaluationRound.term_start))
    series = []
    for other in rows:
        totals = await level_totals(session, other)
        if None in totals:
            series.append((other.term, totals[None][1]))
    return series
