"""Every kind has a payload model and an example; every template renders its example in every
locale and uses only its payload's fields: a template error fails here, not at 23:00."""

from itertools import product
from types import UnionType
from typing import Literal, get_args, get_origin

import pytest
from jinja2 import Environment, FileSystemLoader, meta
from pydantic import BaseModel, ValidationError

from contracts.notifications.history import NotificationKind, NotifyRequest
from contracts.notifications.legacy_2026_11_23 import Notice_2026_11_23
from contracts.notifications.notices import EXAMPLES, NoticePayload
from notifications.render import LOCALES, TEMPLATES, render, render_stored

LINK = "http://127.0.0.1:8000/console/campaigns/7"
MODELS: tuple[type[BaseModel], ...] = get_args(get_args(NoticePayload)[0])
MODEL_OF = {model.model_fields["kind"].default: model for model in MODELS}
KINDS = list(NotificationKind)


def test_every_kind_has_one_model_and_an_example():
    assert len(MODEL_OF) == len(MODELS) and set(MODEL_OF) == set(NotificationKind)
    assert set(EXAMPLES) == set(NotificationKind)
    for kind, example in EXAMPLES.items():
        assert type(example) is MODEL_OF[kind]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders(kind, locale):
    message = render(EXAMPLES[kind], locale, link=LINK)
    assert message.title and "{" not in message.title
    for part in (message.text, message.markdown, message.html):
        assert LINK in part
        assert "{{" not in part and "{%" not in part
    assert message.html.startswith("<!DOCTYPE html>")


def _variables(env: Environment, name: str) -> set[str]:
    """The variables a template and the templates it includes read."""
    ast = env.parse(env.loader.get_source(env, name)[0])
    included = [_variables(env, child) for child in meta.find_referenced_templates(ast)]
    return meta.find_undeclared_variables(ast).union(*included)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", KINDS)
def test_templates_use_only_their_payload(kind, locale):
    model = MODEL_OF[kind]
    env = Environment(loader=FileSystemLoader(TEMPLATES))
    env.filters["dt"] = str  # parsing only needs the filter to exist
    assert _variables(env, f"{locale}/{kind.value}.j2") <= {*model.model_fields, *model.model_computed_fields}


def _choices(annotation) -> list:
    """The values a field can take that a template may branch on (not free text or numbers)."""
    if annotation is bool:
        return [False, True]
    if get_origin(annotation) is Literal:
        return list(get_args(annotation))
    if get_origin(annotation) is list and get_origin(get_args(annotation)[0]) is Literal:
        return [list(get_args(get_args(annotation)[0]))]
    if get_origin(annotation) is UnionType and type(None) in get_args(annotation):
        return [None]
    return []


def _variants(kind: NotificationKind) -> list[BaseModel]:
    """The example with its branching fields in every combination the model accepts."""
    example = EXAMPLES[kind]
    options = {name: [getattr(example, name), *_choices(field.annotation)]
               for name, field in type(example).model_fields.items() if name != "kind"}
    variants = []
    for values in product(*options.values()):
        try:
            variants.append(type(example).model_validate(dict(zip(options, values))))
        except ValidationError:
            pass  # a combination the model refuses is never sent
    return variants


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_choice_renders(kind, locale):
    for variant in _variants(kind):
        message = render(variant, locale, link=LINK)
        assert message.title and "None" not in message.text


def test_dates_are_local_and_localised():
    zh = render(EXAMPLES[NotificationKind.submission_reminder], "zh-CN")
    en = render(EXAMPLES[NotificationKind.submission_reminder], "en")
    assert "2026年3月20日 17:30" in zh.text  # 09:30 UTC is 17:30 in Asia/Shanghai
    assert "Mar 20, 2026 17:30" in en.text


def test_html_escapes_data():
    message = render(EXAMPLES[NotificationKind.plan_returned], link=LINK)
    assert "&lt;请补充&gt;" in message.html
    assert "<请补充>" in message.text


def test_overdue_tasks_reach_staff_with_the_names():
    message = render(EXAMPLES[NotificationKind.escalation])
    assert message.title == "【督办】2026年春季初中数学问题征集：研究任务逾期未提交"
    assert "仍有 2 人未提交研究任务成果：王晓燕、李明。" in message.body


@pytest.mark.parametrize("kind", [NotificationKind.training_absent, NotificationKind.session_absent])
def test_absentees_are_named_by_school_with_the_count(kind):
    body = render(EXAMPLES[kind]).body
    assert "共 3 人缺席：\n第一中学（2 人）：王晓燕、李明\n实验中学（1 人）：赵静\n" in body
    assert "您未参加" not in body


@pytest.mark.parametrize("kind", KINDS)
def test_a_stored_notice_renders_from_its_payload(kind):
    payload = EXAMPLES[kind]
    stored = render_stored(kind.value, payload.model_dump(mode="json"), "en", link=LINK)
    assert stored == render(payload, "en", link=LINK)


def test_a_stored_notice_of_an_older_release_falls_back_to_the_generic_notice():
    assert render_stored("escalation", {"title": "任务已逾期"}, "zh-CN", link=LINK).title == "任务已逾期"
    message = render_stored("escalation", {}, "zh-CN", link=LINK)
    assert message.title == "您有一条新通知"
    assert LINK in message.text


def _request_of_2026_11_23(kind: str, data: dict) -> NotifyRequest:
    return NotifyRequest.model_validate({"kind": kind, "data": data, "key": "series:1:change:3", "user_ids": [1]})


def test_a_request_of_2026_11_23_reads_as_its_payload():
    data = {"title": "活动提醒：周周有约 第3次", "text": "…", "series_title": "周周有约", "number": 3, "theme": "",
            "starts_at": "2026-03-24T06:00:00+00:00", "host_school": "第一中学", "place": "录播教室", "when": "…"}
    request = _request_of_2026_11_23("session_reminder", data)
    assert type(request.payload) is MODEL_OF[NotificationKind.session_reminder]
    assert render(request.payload).title == "联片教研提醒：周周有约 第3次"


def test_a_request_of_2026_11_23_that_no_payload_fits_is_sent_generically():
    data = {"title": "周周有约 暂停", "text": "联片教研暂停，恢复时另行通知。", "session": "周周有约", "starts_at": ""}
    request = _request_of_2026_11_23("session_cancelled", data)
    assert type(request.payload) is Notice_2026_11_23 and request.kind == NotificationKind.session_cancelled
    assert NotifyRequest.model_validate_json(request.model_dump_json()) == request  # through a history again
    stored = render_stored(request.kind, request.payload.model_dump(mode="json"), "zh-CN")
    assert (stored.title, stored.body) == ("周周有约 暂停", "联片教研暂停，恢复时另行通知。")


def test_a_payload_of_today_never_passes_for_one_of_2026_11_23():
    with pytest.raises(ValidationError):
        NotifyRequest.model_validate({"payload": {"kind": "session_cancelled", "series_title": "周周有约"},
                                      "key": "k", "user_ids": [1]})
