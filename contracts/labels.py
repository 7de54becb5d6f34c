"""Chinese labels for the states people see (campaign phases, series and session statuses)."""

from contracts.campaigns.history import PHASE_LABELS

STATUS_LABELS = {
    **{phase.value: label for phase, label in PHASE_LABELS.items()},
    "running": "进行中", "active": "进行中", "paused": "已暂停", "ended": "已提前结束", "scheduled": "待举行",
    "held": "已举行", "skipped": "本次取消", "cancelled": "已取消",
    # exchanges (交流轮岗)
    "planned": "尚未出发", "away": "交流中", "returned": "已返回", "reported": "待考核", "assessed": "已考核",
    # deliveries of a notice
    "pending": "待发送", "deferred": "延后发送", "sent": "已发送", "failed": "发送失败", "withdrawn": "已撤回",
    # Temporal's run statuses
    "RUNNING": "运行中", "COMPLETED": "已完成", "FAILED": "失败", "CANCELED": "已取消", "TERMINATED": "已终止",
    "CONTINUED_AS_NEW": "已接续新一轮", "TIMED_OUT": "超时",
    # evaluation rounds and reviews
    "collecting": "数据采集", "review": "学校确认", "scoring": "评分", "published": "已发布",
}  # fmt: skip


def status_label(value: str | None) -> str:
    return STATUS_LABELS.get(value, value) if value else "—"


NOTICE_LABELS = {
    "campaign_opened": "活动开始征集", "phase_opened": "阶段开始", "submission_reminder": "提交问题提醒",
    "topics_pending": "待确认专题", "topics_confirmed": "专题已确定", "training_invitation": "培训邀请",
    "training_reminder": "培训提醒", "training_absent": "培训缺席名单", "plan_requested": "请提交研究方案",
    "plan_submitted": "方案已提交", "plan_returned": "方案退回修改", "plan_approved": "方案已批准",
    "plan_reminder": "方案提交提醒", "task_assigned": "任务分配", "task_overdue": "任务逾期",
    "task_reminder": "任务提醒", "reflection_reminder": "反思提交提醒", "report_ready": "活动报告已生成",
    "escalation": "督办", "run_stalled": "运行受阻", "campaign_cancelled": "活动取消", "session_announcement": "联片教研通知",
    "session_reminder": "联片教研提醒", "session_changed": "活动变更", "session_cancelled": "活动取消",
    "minutes_missing": "纪要催交", "session_absent": "缺席名单", "notice_rejected": "通知未能发出",
    "evaluation_review_requested": "考评数据待确认", "evaluation_reminder": "考评催办", "evaluation_escalated": "考评督办",
    "evaluation_disputed": "考评异议", "evaluation_dispute_answered": "考评异议答复", "evaluation_survey": "合作满意度问卷",
    "evaluation_published": "考评结果发布",
    "mentoring_pair_started": "师徒结对", "mentoring_log_nudge": "师徒活动记录提醒", "mentoring_form_due": "阶段考评表提醒",
    "mentoring_form_overdue": "阶段考评表督办", "mentoring_verdict": "阶段考评结果", "mentoring_pair_changed": "结对变更",
    "mentoring_completed": "结对完成",
    "tour_stop_announcement": "送教通知", "tour_checklist_reminder": "送教准备清单提醒", "tour_stop_changed": "送教变更",
    "tour_feedback_requested": "送教反馈催交", "tour_feedback_overdue": "送教反馈逾期",
    "library_offer": "发布到资源库",
    "exchange_announced": "交流轮岗通知", "exchange_postponed": "交流推迟", "exchange_end_reminder": "交流即将结束",
    "exchange_report_requested": "交流总结提交", "exchange_report_late": "交流总结逾期", "exchange_assessment_due": "交流待考核",
    "exchange_assessed": "交流考核结果", "exchange_quota_shortfall": "交流配额缺口",
    "exchange_cancelled": "交流取消",
}  # fmt: skip

# Timeline entry categories.
CATEGORY_LABELS = {
    "run": "流程", "phase": "阶段", "action": "操作", "notice": "通知", "timer": "计时", "retry": "重试",
    "failure": "失败",
}  # fmt: skip


def notice_label(kind: str) -> str:
    return NOTICE_LABELS.get(kind, kind)
