"""The charts (services/charts, pygal): the evaluation's radar has the five dimensions as its axes;
the campaign board's progress and the series' attendance are charts of the figures their tables show."""

from xml.etree import ElementTree  # our own SVG, not input from outside

from actions.campaigns.pages import progress_chart
from actions.series.actions import attendance_chart
from contracts.campaigns.api import CampaignDetail, PhaseCounts
from contracts.campaigns.history import Phase
from contracts.evaluation.scheme import DIMENSION_LABELS
from contracts.series.api import SeriesDetail, SessionStatus, SessionSummary
from services.charts import radar

SVG = "{http://www.w3.org/2000/svg}"


def texts(svg: str) -> list[str]:
    return [node.text for node in ElementTree.fromstring(svg.encode()).iter(f"{SVG}text") if node.text]


def radar_axes(svg: str | bytes) -> list[str]:
    """The labels of a pygal radar's spokes, in order."""
    root = ElementTree.fromstring(svg if isinstance(svg, bytes) else svg.encode())
    spokes = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "axis x web")
    return [guide.find(f"{SVG}text").text for guide in spokes.findall(f"{SVG}g")]


def test_the_radar_has_five_axes_named_by_the_dimensions():
    axes = list(DIMENSION_LABELS.values())
    chart = radar("五个维度得分率（%）", axes, {"本教联体": [80, 70, 60, 50, 90], "全县中位数": [60] * 5})
    assert radar_axes(chart.svg) == ["管理共进", "师资共育", "资源共享", "协同发展", "整体提升"]
    assert "src=" not in chart.svg and "href=" not in chart.svg  # nothing to fetch (pygal's tooltips script is off)
    assert all(label in chart.alt for label in axes) and "全县中位数" in chart.alt  # the text alternative


def test_school_names_are_text_in_the_svg_never_markup():
    chart = radar("<b>雷达</b>", ["甲</text><script>alert(1)</script>", "乙", "丙", "丁", "戊"], {"x": [1] * 5})
    assert "甲</text><script>alert(1)</script>" in texts(chart.svg)  # parsed back as text: it was escaped
    assert "<b>雷达</b>" in texts(chart.svg)


def test_the_board_and_the_series_page_chart_their_tables():
    detail = CampaignDetail.model_construct(counts=[
        PhaseCounts(phase=Phase.collect_topics, acted=15, not_acted=5),
        PhaseCounts(phase=Phase.train, acted=0, not_acted=0)])
    chart = progress_chart(detail)
    assert "征集问题" in chart.alt and "75" in chart.alt and "0" in chart.alt
    held = SessionSummary.model_construct(number=1, status=SessionStatus.held, participants=20, checked_in=17)
    skipped = SessionSummary.model_construct(number=2, status=SessionStatus.skipped, participants=20, checked_in=0)
    chart = attendance_chart(SeriesDetail.model_construct(past=[held, skipped], upcoming=[]))
    assert "第1次 85" in chart.alt and "第2次" not in chart.alt
    assert attendance_chart(SeriesDetail.model_construct(past=[], upcoming=[])) is None
