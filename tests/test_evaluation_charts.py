"""The round's charts in Chromium and in the PDF: the radar has the five dimensions as its axes,
the page raises no CSP violation, the charts load with a Chinese font at phone width, and the
PDF's first page draws them (pdftoppm renders it into test-artifacts/)."""

import base64
import shutil
import subprocess
from datetime import timedelta

import httpx
import pytest

from contracts.evaluation.scheme import DIMENSION_LABELS
from models import EvaluationRound
from services.evaluation import flow
from tests.browser import SCREENSHOTS, chromium, log_in, screenshot, served
from tests.test_charts import radar_axes
from tests.test_console_a11y import AXE, FAILING_IMPACTS
from tests.evaluation_support import CLUSTER, write_term
from tests.series_support import monday_after

pytestmark = pytest.mark.browser
WEEKS = 4
CSP_PROBE = ("window.__violations = [];"
             "document.addEventListener('securitypolicyviolation', e => window.__violations.push("
             "e.violatedDirective + ' ' + e.blockedURI));")


async def _two_rounds(base_url: str, session_factory, tz) -> int:
    """Two consecutive terms of records in cluster 1 and their rounds, the later one in review."""
    start = monday_after(__import__("datetime").datetime.now(tz), tz, 7)
    async with httpx.AsyncClient(base_url=base_url) as client:
        token = (await client.post("/api/v1/auth/token", data={"username": "staff01", "password": "demo-pass"})
                 ).json()["access_token"]
        ids = []
        for number, term_start in enumerate((start, start + timedelta(weeks=WEEKS)), start=1):
            await write_term(session_factory, start=term_start, weeks=WEEKS, tz=tz, seed=number)
            answer = await client.post("/api/v1/evaluation/rounds", headers={"Authorization": f"Bearer {token}"}, json={
                "cluster_id": CLUSTER, "term": f"2026-2027-{number}", "term_start": term_start.isoformat(),
                "term_end": (term_start + timedelta(weeks=WEEKS, days=-1)).isoformat()})
            assert answer.status_code in (201, 202), answer.text
            ids.append(answer.json()["id"])
    async with session_factory() as session:
        for round_id in ids:
            round_ = await session.get(EvaluationRound, round_id)
            await flow.advance(session, round_id=round_id, now=round_.collect_until, tz=tz)
        await session.commit()
    return ids[-1]


async def test_the_round_page_and_its_pdf_show_the_charts(settings, session_factory, demo, ts_env):
    async with served(settings, ts_env.client) as base_url, chromium() as browser:
        round_id = await _two_rounds(base_url, session_factory, settings.tz)
        page = await log_in(browser, base_url, "staff01")
        await page.add_init_script(CSP_PROBE)
        await page.goto(f"{base_url}/console/evaluation/rounds/{round_id}")
        charts = page.locator(".charts img")
        assert await charts.count() == 4
        for index in range(4):  # loaded, with a text alternative
            image = charts.nth(index)
            assert await image.evaluate("img => img.complete && img.naturalWidth > 0")
            assert await image.get_attribute("alt")
        radar_svg = base64.b64decode((await charts.nth(0).get_attribute("src")).split(",", 1)[1])
        assert radar_axes(radar_svg) == list(DIMENSION_LABELS.values())
        assert await page.evaluate("document.fonts.check('16px \"WenQuanYi Micro Hei\"')")
        assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # phone width
        assert await page.evaluate("window.__violations") == []
        serious = [f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}" for v in (await AXE.run(page)).response[
            "violations"] if v["impact"] in FAILING_IMPACTS]
        assert not serious, serious  # the console's promise (README, Accessibility), on the round page too
        await screenshot(page, "evaluation-round-phone")
        await page.set_viewport_size({"width": 1280, "height": 900})
        await page.reload()
        assert await page.evaluate("window.__violations") == []
        await screenshot(page, "evaluation-round")

        answer = await page.context.request.get(f"{base_url}/console/evaluation/rounds/{round_id}/report?format=pdf",
                                                  timeout=120_000)  # a busy 2-core machine
        pdf = await answer.body()
        assert answer.ok and pdf.startswith(b"%PDF")
    artifacts = SCREENSHOTS.parent
    (artifacts / "evaluation-report.pdf").write_bytes(pdf)
    if not shutil.which("pdftoppm"):
        pytest.skip("poppler-utils (pdftoppm) not installed: the PDF was checked for its header only")
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(artifacts / "evaluation-report.pdf"),
                    str(artifacts / "evaluation-report-page")], check=True)
    assert list(artifacts.glob("evaluation-report-page*.png"))
    text = subprocess.run(["pdftotext", "-f", "1", "-l", "2", str(artifacts / "evaluation-report.pdf"), "-"],
                          check=True, capture_output=True, text=True).stdout
    # The charts' own text (their captions are hidden in print): drawn from the SVG, in Chinese.
    assert "五个维度得分率" in text and "全县中位数" in text
