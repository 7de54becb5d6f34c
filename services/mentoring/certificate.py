"""The certificate (结对证书) of a completed pair: who mentored whom, in what, over which span, and
each stage's verdict. The console renders it as HTML (autoescaped); `pdf` draws the same facts
with reportlab's built-in Chinese font (STSong-Light, a CID font every PDF reader has: nothing to
embed or download). Text is drawn as text, never parsed as markup."""

import io
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from contracts.errors import Conflict
from contracts.mentoring.api import PairDetail
from contracts.mentoring.history import PairStatus

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


@dataclass(frozen=True)
class Certificate:
    title: str
    lines: list[str]
    stages: list[str]  # "第1阶段（截至 2027-01-20）：合格"


def certificate_of(detail: PairDetail) -> Certificate:
    if detail.status != PairStatus.completed:
        raise Conflict("结对完成后才有证书 (the certificate comes once the pair is completed)", status=detail.status)
    return Certificate(
        title=f"{detail.programme_title} 师徒结对证书",
        lines=[
            f"{detail.mentor_school} {detail.mentor_name} 老师（师傅）与 {detail.mentee_school} {detail.mentee_name} 老师（徒弟）",
            f"于 {detail.starts_on:%Y年%m月%d日} 至 {detail.ends_on:%Y年%m月%d日} 结为{detail.subject}学科师徒，",
            f"完成 {detail.school_year} 学年青蓝工程全部阶段考评，特发此证。",
        ],
        stages=[f"第{stage.number}阶段（{stage.due_on:%Y-%m-%d}）：" + " → ".join(v["label"] for v in stage.verdicts)
                for stage in detail.stages],
    )


def _wrapped(text: str, width: float, size: int) -> list[str]:
    lines, line = [], ""
    for char in text:
        if pdfmetrics.stringWidth(line + char, FONT, size) > width:
            lines.append(line)
            line = ""
        line += char
    return [*lines, line]


def pdf(certificate: Certificate) -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    page.setTitle(certificate.title)
    width, height = A4
    page.setFont(FONT, 24)
    page.drawCentredString(width / 2, height - 120, certificate.title[:40])
    y, margin = height - 190, 72
    for size, texts in ((14, certificate.lines), (12, ["阶段考评：", *certificate.stages])):
        page.setFont(FONT, size)
        for text in texts:
            for line in _wrapped(text, width - 2 * margin, size):
                page.drawString(margin, y, line)
                y -= size * 1.8
        y -= 12
    page.showPage()
    page.save()
    return buffer.getvalue()
