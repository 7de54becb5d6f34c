"""The round's charts: the alliance against the county median on the five dimensions (radar),
each member school's total (bars), each dimension across terms (lines), rates against their
targets (gauges)."""

from dataclasses import dataclass

from contracts.evaluation.api import RoundDetail
from contracts.evaluation.scheme import DIMENSION_LABELS, Dimension
from services.charts import Chart, bars, gauges, lines, radar


@dataclass(frozen=True)
class RoundCharts:
    radar: Chart
    schools: Chart
    terms: Chart
    gauges: Chart


def round_charts(detail: RoundDetail, terms: list[tuple[str, dict[Dimension, float]]], *, rates: set[str],
                 response_rate: float | None) -> RoundCharts:
    """`rates`: the codes of indicators measured in per cent (they get a gauge)."""
    alliance = next(level for level in detail.levels if level.school_id is None)
    axes = [DIMENSION_LABELS[d] for d in Dimension]
    schools = [level for level in detail.levels if level.school_id is not None]
    rated = {value.label: (value.value or 0, value.target) for value in detail.values
             if value.school_id is None and value.indicator in rates}
    if response_rate is not None:
        rated["问卷回收率"] = (response_rate, 100)
    return RoundCharts(
        radar=radar(f"{detail.term} 五个维度得分率（%）", axes, {
            "本教联体": [alliance.dimensions[d] for d in Dimension],
            "全县中位数": [detail.county_median[d] for d in Dimension]}),
        schools=bars("成员校综合得分（%）", [level.name for level in schools], {
            "本学期": [level.total for level in schools],
            "上学期": [level.previous_total for level in schools]}),
        terms=lines("各维度逐学期得分率（%）", [term for term, _ in terms], {
            DIMENSION_LABELS[d]: [shares[d] for _, shares in terms] for d in Dimension}),
        gauges=gauges("达成情况（实际/目标）", rated),
    )
