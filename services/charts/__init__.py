"""Charts every programme's pages and reports draw (shared ground, not a programme): pygal renders
SVG on the server, so the console, the HTML report and the PDF show the same picture with no
script at all (the console's CSP allows none) and nothing fetched at run time.

Why pygal: it draws a radar, bars, lines and gauges from Python alone (no browser, no Node), its
SVG carries the chart's <title> and every value as text, and WeasyPrint prints that SVG as vectors.
Apache ECharts, the convention of Chinese dashboards, needs JavaScript in the page (the console's
CSP allows none inline) and a browser to print a PDF; altair + vl-convert ships a 100 MB V8 for
what four chart kinds need. pygal's own tooltips load a script from a CDN: `js=[]` turns them off.

Every chart is an <img> of a data: URI (an SVG image runs no script and loads nothing), with alt
text; pages put the figures beside it as a table, the text alternative."""

import base64
from dataclasses import dataclass

import pygal
from pygal.style import Style

# Chinese labels in a Chinese font: WenQuanYi Micro Hei is Debian's (fonts-wqy-microhei), the one
# scripts/system-deps.sh installs for Chromium and WeasyPrint; Noto CJK where a machine has it.
FONT = "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif"
STYLE = Style(font_family=FONT, background="white", plot_background="white", foreground="#222",
              foreground_strong="#111", foreground_subtle="#666", title_font_size=18, label_font_size=13,
              major_label_font_size=13, legend_font_size=13, value_font_size=12,
              colors=("#1f5fa8", "#d9822b", "#2e8b57", "#a83279", "#6b6b6b"))
CONFIG = {"style": STYLE, "js": [], "width": 640, "height": 420, "explicit_size": True,
          "legend_at_bottom": True, "truncate_legend": -1, "truncate_label": -1, "print_values": False}


@dataclass(frozen=True)
class Chart:
    svg: str
    alt: str  # the text alternative: what the chart shows, in words

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()


def _render(chart, alt: str) -> Chart:
    return Chart(svg=chart.render(is_unicode=True), alt=alt)


def _numbers(values: list[float | None]) -> str:
    return "、".join("—" if value is None else f"{value:g}" for value in values)


def radar(title: str, axes: list[str], series: dict[str, list[float]]) -> Chart:
    chart = pygal.Radar(title=title, range=(0, 100), fill=False, **CONFIG)
    chart.x_labels = axes
    for name, values in series.items():
        chart.add(name, values)
    alt = f"{title}（雷达图，{len(axes)} 个维度：{'、'.join(axes)}）" + "；".join(
        f"{name}：{_numbers(values)}" for name, values in series.items())
    return _render(chart, alt)


def bars(title: str, labels: list[str], series: dict[str, list[float | None]], *, maximum: float = 100) -> Chart:
    chart = pygal.Bar(title=title, range=(0, maximum), x_label_rotation=30 if len(labels) > 6 else 0, **CONFIG)
    chart.x_labels = labels
    for name, values in series.items():
        chart.add(name, values)
    alt = f"{title}（柱状图）：" + "；".join(
        f"{name}：" + "、".join(f"{label} {'—' if v is None else f'{v:g}'}" for label, v in zip(labels, values))
        for name, values in series.items())
    return _render(chart, alt)


def lines(title: str, x_labels: list[str], series: dict[str, list[float | None]]) -> Chart:
    chart = pygal.Line(title=title, range=(0, 100), **CONFIG)
    chart.x_labels = x_labels
    for name, values in series.items():
        chart.add(name, values)
    alt = f"{title}（折线图，{'、'.join(x_labels)}）：" + "；".join(
        f"{name}：{_numbers(values)}" for name, values in series.items())
    return _render(chart, alt)


def gauges(title: str, items: dict[str, tuple[float, float]]) -> Chart:
    """One half-circle gauge per item: (value, target)."""
    chart = pygal.SolidGauge(title=title, half_pie=True, inner_radius=0.7, **CONFIG)
    for label, (value, target) in items.items():
        chart.add(label, [{"value": value, "max_value": target or 1}])
    alt = f"{title}（仪表图）：" + "；".join(f"{label} {value:g}/{target:g}" for label, (value, target) in items.items())
    return _render(chart, alt)
