"""The round's report (考评报告): HTML (each score links the records behind it), PDF (each score
carries a note number; the notes under each table name its records: WeasyPrint, vector charts, a
Chinese font from Debian) and XLSX (every figure and every record).

The notes sit under their table rather than at the page's foot: WeasyPrint's `float: footnote`
dropped the rest of the document once a page's footnotes outgrew it (a table of 13 scores, each
naming 20 records)."""

import base64
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup
from openpyxl import Workbook
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.evaluation.api import RoundDetail, SurveyResults
from contracts.evaluation.scheme import DIMENSION_LABELS, Dimension, Scheme
from contracts.labels import status_label
from models import Cluster, EvaluationRound, EvaluationScheme
from services.charts import FONT
from services.documents.pdf import html_to_pdf
from services.evaluation import survey, views
from services.evaluation.charts import RoundCharts, round_charts
from services.evaluation.schemes import scheme_of

NOTE_RECORDS = 20  # a PDF note names this many records; the HTML and XLSX name them all
RECORD_LABELS = {
    "session": "联片教研活动", "checkin": "活动签到", "campaign": "订单式教研", "topic": "专题",
    "training_checkin": "培训签到", "reflection": "教学反思", "entry": "学校填报", "survey_response": "问卷答卷",
    "mentoring_verdict": "师徒阶段考评", "resource": "共享资源", "borrowing": "资源借鉴",
    "exchange": "交流轮岗",
}
RECORD_PAGES = {"session": "/console/sessions/{}", "campaign": "/console/campaigns/{}"}
# The report travels on its own (printed, forwarded), so its style is inside it; the CSP allows
# exactly this style by its hash (api/security_headers.py). Footnotes show only in print.
REPORT_STYLE = (f"body{{font-family:{FONT};max-width:1000px;margin:1em auto;padding:0 1em;line-height:1.5;"
                "overflow-wrap:anywhere}table{border-collapse:collapse;display:block;overflow-x:auto}"
                "td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}img{width:100%;height:auto}"
                ".charts{display:flex;flex-wrap:wrap;gap:1em}.charts figure{flex:1 1 420px;margin:0}figcaption{font-size:.8em;"
                "color:#444}")
REPORT_STYLE_SOURCE = "'sha256-" + base64.b64encode(hashlib.sha256(REPORT_STYLE.encode()).digest()).decode() + "'"
# The PDF's style is not served, so no hash is needed for it.
PRINT_STYLE = ("@page{size:A4;margin:16mm 14mm;@bottom-center{content:counter(page)}}"
               "body{max-width:none;margin:0;font-size:10pt}table{display:table}"
               ".charts{display:block}.charts figure{display:block;width:80%;margin:0 auto 4mm}"
               ".notes{font-size:7.5pt;color:#333}a{color:inherit;text-decoration:none}"
               "a.records{display:none}figcaption{display:none}")  # in print the table beside it says it

_env = Environment(loader=FileSystemLoader(Path(__file__).parent / "report_templates"), autoescape=True)


@dataclass(frozen=True)
class Report:
    round: EvaluationRound
    alliance: str
    scheme: Scheme
    detail: RoundDetail
    charts: RoundCharts
    survey: SurveyResults
    base_url: str


async def build(session: AsyncSession, *, round_: EvaluationRound, base_url: str) -> Report:
    scheme = scheme_of(await session.get(EvaluationScheme, round_.scheme_id))
    detail = await views.round_detail(session, round_)
    results = await survey.results(session, round_id=round_.id)
    charts = round_charts(detail, await views.terms_of(session, round_),
                          rates={i.code for i in scheme.indicators if i.unit == "%"},
                          response_rate=results.response_rate if results.invited else None)
    alliance = (await session.get(Cluster, round_.cluster_id)).name
    return Report(round=round_, alliance=alliance, scheme=scheme, detail=detail, charts=charts, survey=results,
                  base_url=base_url)


def record_link(record: str) -> str | None:
    kind, _, key = record.partition(":")
    return RECORD_PAGES[kind].format(key) if kind in RECORD_PAGES else None


def record_label(record: str) -> str:
    kind, _, key = record.partition(":")
    return f"{RECORD_LABELS.get(kind, kind)} #{key}"


def html(report: Report, *, for_print: bool = False) -> str:
    return _env.get_template("round.html.j2").render(
        # In print the print rules follow in the document itself: WeasyPrint ranks the stylesheets it
        # is handed below the document's own, so they could not override it.
        r=report, style=Markup(REPORT_STYLE + (PRINT_STYLE if for_print else "")), for_print=for_print, dimensions=[(d, DIMENSION_LABELS[d]) for d in Dimension],
        dimension_labels=DIMENSION_LABELS,
        record_link=record_link, record_label=record_label, status_label=status_label, shown=NOTE_RECORDS,
    )


def pdf(report: Report) -> bytes:
    return html_to_pdf(html(report, for_print=True), base_url=report.base_url)


def xlsx(report: Report) -> bytes:
    book = Workbook()
    scores = book.active
    scores.title = "得分"
    names = {level.school_id: level.name for level in report.detail.levels}
    scores.append(["层级", "维度", "指标", "数值", "目标", "得分", "系统得分", "调整理由", "上学期", "变化", "记录数"])
    for value in report.detail.values:
        scores.append([names.get(value.school_id, ""), DIMENSION_LABELS[value.dimension], value.label, value.value,
                       value.target, value.score, value.computed_score, value.override_reason, value.previous,
                       value.change, len(value.records)])
    records = book.create_sheet("记录")
    records.append(["层级", "指标", "记录"])
    for value in report.detail.values:
        for record in value.records:
            records.append([names.get(value.school_id, ""), value.label, record])
    totals = book.create_sheet("维度")
    totals.append(["层级", "综合", *(DIMENSION_LABELS[d] for d in Dimension), "上学期综合"])
    for level in report.detail.levels:
        totals.append([level.name, level.total, *(level.dimensions[d] for d in Dimension), level.previous_total])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
