"""Reports a county prints: the campaign report as PDF (`Accept: application/pdf`), and the
evaluation report's own style allowed by the CSP, its hostile text escaped."""

import base64
import hashlib
import re
import shutil
import subprocess

import pytest
from sqlalchemy import select

from models import EvaluationValue

from tests.test_evaluation_survey import _round_in_review
from tests.test_security_escaping import API, HOSTILE, _hostile_campaign


async def test_the_campaign_report_prints_to_pdf(api, login, session_factory):
    ids = await _hostile_campaign(session_factory)
    answer = await api.get(f"{API}/campaigns/{ids['campaign']}/report", headers={
        **await login("staff01"), "Accept": "application/pdf"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF")
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils not installed: the PDF was checked for its header only")
    text = subprocess.run(["pdftotext", "-", "-"], input=answer.content, capture_output=True, check=True).stdout.decode()
    assert "反思<img src=x onerror=alert(1)>" in text  # the hostile text printed as the text it is


async def test_the_evaluation_report_style_is_the_one_the_policy_allows(api, login, session_factory, settings):
    round_id = await _round_in_review(api, login, session_factory, settings.tz)
    async with session_factory() as session:  # a school's contact enters hostile evidence
        value = await session.scalar(select(EvaluationValue).where(
            EvaluationValue.round_id == round_id, EvaluationValue.indicator == "teaching_results",
            EvaluationValue.school_id == 1))
    answer = await api.put(f"{API}/evaluation/rounds/{round_id}/values/{value.id}/entry",
                           headers=await login("t0001"), json={"value": 2, "evidence": HOSTILE})
    assert answer.status_code == 200, answer.text
    report = await api.get(f"{API}/evaluation/rounds/{round_id}/report", headers=await login("staff01"))
    (style,) = re.findall(r"<style>(.*?)</style>", report.text, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in report.headers["content-security-policy"]
    assert "<script" not in report.text and "&lt;script&gt;" in report.text
