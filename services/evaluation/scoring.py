"""Scores by the scheme's rules, and the totals of a level (per dimension and overall)."""

from collections.abc import Iterable

from contracts.evaluation.scheme import Dimension, Indicator, Rule, Scheme
from models import EvaluationValue


def score(indicator: Indicator, value: float | None, target: float) -> float | None:
    """Points out of the indicator's weight; None while the value is missing."""
    if value is None:
        return None
    if indicator.rule == Rule.threshold:
        return indicator.weight if value >= target else 0.0
    return round(indicator.weight * min(value / target, 1.0), 2) if target else indicator.weight


def counted_score(row: EvaluationValue) -> float:
    """What counts: staff's override when there is one; a missing value counts nothing."""
    chosen = row.override_score if row.override_score is not None else row.score
    return chosen or 0.0


def level_totals(scheme: Scheme, rows: Iterable[EvaluationValue]) -> tuple[float, dict[Dimension, float]]:
    """(total, per dimension), each in per cent of the weights it covers."""
    by_code = {row.indicator: row for row in rows}
    dimensions = {}
    for dimension in Dimension:
        indicators = scheme.of(dimension)
        earned = sum(counted_score(by_code[i.code]) for i in indicators if i.code in by_code)
        dimensions[dimension] = round(100 * earned / sum(i.weight for i in indicators), 1)
    earned = sum(counted_score(by_code[i.code]) for i in scheme.indicators if i.code in by_code)
    return round(100 * earned / sum(i.weight for i in scheme.indicators), 1), dimensions
