"""Computing a round's values from the records: every computed indicator by its named query, at
every level, with the records behind it. Runs nightly while the round collects and once when
collection closes; a round past collecting is never recomputed (its figures are the ones reviewed,
scored and published)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.evaluation.history import RoundStage
from contracts.evaluation.scheme import Indicator, SourceKind
from models import EvaluationRound, EvaluationScheme, EvaluationValue
from services.evaluation import scoring
from services.evaluation.schemes import scheme_of
from services.evaluation.service import scope_of
from services.evaluation.sources import QUERIES, Count, Scope

Key = tuple[str, int | None]


async def values_of(session: AsyncSession, round_id: int) -> dict[Key, EvaluationValue]:
    rows = await session.scalars(select(EvaluationValue).where(EvaluationValue.round_id == round_id))
    return {(row.indicator, row.school_id): row for row in rows}


def _target(indicator: Indicator, scope: Scope, school_id: int | None) -> float:
    return indicator.target * max(scope.teachers_of(school_id), 1) if indicator.per_teacher else indicator.target


async def refresh(session: AsyncSession, *, round_: EvaluationRound, now: datetime, tz: ZoneInfo) -> bool:
    """Recompute the round's computed values; False (nothing written) once it stopped collecting."""
    if round_.stage != RoundStage.collecting:
        return False
    scheme = scheme_of(await session.get(EvaluationScheme, round_.scheme_id))
    scope = await scope_of(session, round_, tz=tz)
    stored = await values_of(session, round_.id)

    def row(indicator: Indicator, school_id: int | None) -> EvaluationValue:
        key = (indicator.code, school_id)
        if key not in stored:
            stored[key] = EvaluationValue(round_id=round_.id, indicator=indicator.code, school_id=school_id,
                                          target=_target(indicator, scope, school_id), records=[])
            session.add(stored[key])
        return stored[key]

    for indicator in scheme.indicators:
        if indicator.source == SourceKind.computed:
            levels = await QUERIES[indicator.query](session, scope)
            for school_id in (None, *scope.school_ids):
                count = levels.get(school_id, Count())
                value = row(indicator, school_id)
                value.value, value.records = count.value, count.records
                value.target = _target(indicator, scope, school_id)
                value.score = scoring.score(indicator, value.value, value.target)
        elif indicator.source == SourceKind.entered:
            for school_id in (None, *scope.school_ids):
                row(indicator, school_id)
        else:  # the survey is of the alliance as a whole: per school it would name its few answerers
            row(indicator, None)
    round_.refreshed_at = now
    await session.flush()
    return True
