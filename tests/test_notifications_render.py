"""Every kind renders in both locales with its sample data: a template error fails here, not at 23:00."""

import pytest

from contracts.notifications import NotificationKind
from notifications.render import LOCALES, render, render_strict
from notifications.samples import OPTIONAL, SAMPLE_DATA

LINK = "http://127.0.0.1:8000/console/campaigns/7"


def test_every_kind_has_sample_data():
    assert set(SAMPLE_DATA) == set(NotificationKind)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", list(NotificationKind))
def test_every_kind_renders(kind, locale):
    message = render_strict(kind, SAMPLE_DATA[kind], locale, link=LINK)
    assert message.title and "{" not in message.title
    for part in (message.text, message.markdown, message.html):
        assert LINK in part
        assert "{{" not in part and "{%" not in part
    assert message.html.startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("kind", sorted(OPTIONAL))
def test_optional_variables_may_be_left_out(kind):
    data = {k: v for k, v in SAMPLE_DATA[kind].items() if k not in OPTIONAL[kind]}
    assert "{" not in render_strict(kind, data, "zh-CN", link=LINK).text


def test_dates_are_local_and_localised():
    zh = render_strict(NotificationKind.submission_reminder, SAMPLE_DATA[NotificationKind.submission_reminder], "zh-CN")
    en = render_strict(NotificationKind.submission_reminder, SAMPLE_DATA[NotificationKind.submission_reminder], "en")
    assert "2026年3月20日 17:30" in zh.text  # 09:30 UTC is 17:30 in Asia/Shanghai
    assert "Mar 20, 2026 17:30" in en.text


def test_html_escapes_data():
    message = render_strict(NotificationKind.plan_returned, SAMPLE_DATA[NotificationKind.plan_returned], link=LINK)
    assert "&lt;请补充&gt;" in message.html
    assert "<请补充>" in message.text


def test_missing_data_falls_back_instead_of_losing_the_notice():
    message = render(NotificationKind.escalation, {}, "zh-CN", link=LINK)
    assert message.title == "您有一条新通知"
    assert LINK in message.text
