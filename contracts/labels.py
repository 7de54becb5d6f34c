"""Chinese labels for the states people see (campaign phases, series and session statuses)."""

from contracts.campaigns import PHASE_LABELS

STATUS_LABELS = {
    **{phase.value: label for phase, label in PHASE_LABELS.items()},
    "running": "进行中", "active": "进行中", "paused": "已暂停", "ended": "已提前结束", "scheduled": "待举行",
    "held": "已举行", "skipped": "本次取消", "cancelled": "已取消",
    # Temporal's run statuses
    "RUNNING": "运行中", "COMPLETED": "已完成", "FAILED": "失败", "CANCELED": "已取消", "TERMINATED": "已终止",
    "CONTINUED_AS_NEW": "已接续新一轮", "TIMED_OUT": "超时",
}  # fmt: skip


def status_label(value: str | None) -> str:
    return STATUS_LABELS.get(value, value) if value else "—"
