"""The round's report for a 40-school alliance: HTML and PDF with its four charts and the record
notes, against rendering the same figures as one plain table (HTML, and that table printed by
WeasyPrint), in the same run. Read the ratios: this 2-core machine is shared.

    .venv/bin/python -m benchmarks.bench_evaluation [--schools 40] [--repeat 3]
"""

import argparse
import random
import time
from datetime import date, datetime, timezone

from jinja2 import Environment

from contracts.evaluation.api import LevelOut, RoundDetail, SurveyResults, ValueOut
from contracts.evaluation.history import RoundStage
from contracts.evaluation.scheme import DEFAULT_SCHEME, Dimension
from models import EvaluationRound
from services.evaluation import report
from services.evaluation.charts import round_charts

PLAIN = Environment(autoescape=True).from_string(
    "<!doctype html><html lang=zh-CN><head><meta charset=utf-8><title>t</title></head><body><table>"
    "{% for v in values %}<tr><td>{{ names[v.school_id] }}</td><td>{{ v.label }}</td><td>{{ v.value }}</td>"
    "<td>{{ v.target }}</td><td>{{ v.score }}</td></tr>{% endfor %}</table></body></html>")


def alliance(schools: int) -> report.Report:
    rng = random.Random(7)
    names = {None: "教联体整体", **{n: f"第{n}成员校" for n in range(1, schools + 1)}}
    values, number = [], 0
    for level in names:
        for indicator in DEFAULT_SCHEME.indicators:
            number += 1
            records = [f"checkin:{rng.randrange(10**6)}" for _ in range(rng.randrange(5, 60 if level else 600))]
            value = float(len(records))
            values.append(ValueOut(id=number, indicator=indicator.code, label=indicator.label,
                                   dimension=indicator.dimension, school_id=level, value=value,
                                   target=indicator.target, score=min(value / indicator.target, 1) * indicator.weight,
                                   computed_score=None, records=records, previous=value - 2, change=2.0))
    levels = [LevelOut(school_id=level, name=name, total=rng.uniform(40, 95),
                       dimensions={d: rng.uniform(20, 100) for d in Dimension}, previous_total=rng.uniform(40, 95))
              for level, name in names.items()]
    now = datetime(2027, 2, 1, tzinfo=timezone.utc)
    detail = RoundDetail(id=1, cluster_id=1, term="2026-2027-1", term_start=date(2026, 9, 1), term_end=date(2027, 1, 20),
                         stage=RoundStage.published, scheme_version=1, collect_until=now, review_until=now,
                         workflow_id="evaluation-round-1", levels=levels, values=values, reviews=[],
                         county_median={d: 60.0 for d in Dimension})
    terms = [(f"202{n}-202{n + 1}-1", {d: rng.uniform(20, 100) for d in Dimension}) for n in range(4)]
    round_ = EvaluationRound(id=1, cluster_id=1, term=detail.term, term_start=detail.term_start,
                             term_end=detail.term_end, stage=RoundStage.published, published_at=now)
    return report.Report(round=round_, alliance="示例教联体", scheme=DEFAULT_SCHEME, detail=detail,
                         charts=round_charts(detail, terms, rates={"minutes_on_time", "half_day_weeks"},
                                             response_rate=71.5),
                         survey=SurveyResults(invited=400, answered=286, response_rate=71.5, means={}, comments=[]),
                         base_url="http://127.0.0.1:8000")


def best_of(repeat: int, render) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        render()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import weasyprint

    built = alliance(args.schools)
    names = {level.school_id: level.name for level in built.detail.levels}

    def plain_html() -> str:
        return PLAIN.render(values=built.detail.values, names=names)

    pdf_bytes = report.pdf(built)  # warm up fonts and imports once, for both sides
    timings = {
        "report HTML": best_of(args.repeat, lambda: report.html(built)),
        "plain HTML": best_of(args.repeat, plain_html),
        "report PDF": best_of(args.repeat, lambda: report.pdf(built)),
        "plain PDF": best_of(args.repeat, lambda: weasyprint.HTML(string=plain_html()).write_pdf()),
        "charts": best_of(args.repeat, lambda: alliance(args.schools)),
    }
    print(f"{args.schools} schools, {len(built.detail.values)} values, "
          f"{sum(len(v.records) for v in built.detail.values)} records; PDF {len(pdf_bytes) // 1024} KB")
    for name, seconds in timings.items():
        print(f"  {name:12} {seconds * 1000:8.1f} ms")
    print(f"report / plain table: HTML {timings['report HTML'] / timings['plain HTML']:.1f}×, "
          f"PDF {timings['report PDF'] / timings['plain PDF']:.2f}×")


if __name__ == "__main__":
    main()
