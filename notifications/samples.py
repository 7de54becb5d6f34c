"""Sample data of every kind: the variables its templates use. The template test renders each
kind with these, and workflow authors can read here what a kind expects in `data`."""

from typing import Any

from contracts.notifications import NotificationKind as K

_DUE = "2026-03-20T09:30:00+00:00"
_STARTS = "2026-03-24T06:00:00+00:00"
_CAMPAIGN = {"campaign": "2026年春季初中数学问题征集"}
_TOPIC = {"topic": "分层作业设计", "due": _DUE}
_TRAINING = {"training": "大单元教学设计", "speaker": "李教授", "starts_at": _STARTS, "place": "区教师发展中心报告厅"}
_SESSION = {"session": "初中联片第3周教研", "starts_at": _STARTS, "host_school": "第一中学", "place": "录播教室"}

SAMPLE_DATA: dict[K, dict[str, Any]] = {
    K.campaign_opened: {**_CAMPAIGN, "due": _DUE},
    K.phase_opened: {**_CAMPAIGN, "phase": "培训学习", "due": _DUE},
    K.submission_reminder: {**_CAMPAIGN, "due": _DUE},
    K.topics_pending: {**_CAMPAIGN, "problems": 128, "topics": 5},
    K.topics_confirmed: {**_CAMPAIGN, "topics": ["分层作业设计", "课堂提问策略"]},
    K.training_invitation: _TRAINING,
    K.training_reminder: _TRAINING,
    K.training_absent: _TRAINING,
    K.plan_requested: _TOPIC,
    K.plan_submitted: {**_TOPIC, "author": "王晓燕"},
    K.plan_returned: {**_TOPIC, "comment": "第二阶段缺少负责人 <请补充>"},
    K.plan_approved: _TOPIC,
    K.plan_reminder: _TOPIC,
    K.task_assigned: {**_TOPIC, "task": "设计第一课时分层作业"},
    K.task_overdue: {**_TOPIC, "task": "设计第一课时分层作业"},
    K.task_reminder: {**_CAMPAIGN, "due": _DUE},
    K.reflection_reminder: _TOPIC,
    K.report_ready: _CAMPAIGN,
    K.escalation: {"subject": "问题征集", "due": _DUE, "pending": 17},
    K.campaign_cancelled: {**_CAMPAIGN, "reason": "与期中考试冲突"},
    K.session_announcement: {**_SESSION, "theme": "作业减负与提质"},
    K.session_reminder: _SESSION,
    K.session_changed: {**_SESSION, "change": "因场地调整改到录播教室"},
    K.session_cancelled: {**_SESSION, "reason": "台风预警"},
    K.minutes_missing: _SESSION,
    K.session_absent: _SESSION,
}

# What callers may leave out: templates must render without it.
OPTIONAL: dict[K, set[str]] = {K.task_reminder: {"due"}, K.plan_reminder: {"due"}, K.reflection_reminder: {"due"}}
