"""A run's timeline in plain Chinese: the Temporal history of every run in its chain, merged with
the product's own records of the same work (who did what: the audit trail; which notices went to
how many people, by which channel, with what result).

Entries are what an admin asks about; bookkeeping events (workflow tasks, markers) are left out.
The timeline is read a page at a time, oldest first: every source is already in time order
(history by event, records through an index on their time), so a page needs at most
offset + limit entries from each — a campaign with 20,000 teachers' actions is never read whole."""

from collections import Counter, defaultdict
from collections.abc import Callable
from contextlib import aclosing

from sqlalchemy import String, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client

from contracts import workflow_ids
from contracts.labels import notice_label, status_label
from contracts.runs.api import TimelineEntry
from engine.runs import chain_events, utc
from models import AuditEntry, Delivery, Notification, SeriesSession, Task, Training


E = EventType


def _phase_change(event: HistoryEvent) -> str | None:
    fields = event.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields
    if "Phase" not in fields:
        return None
    value = fields["Phase"].data.decode().strip('"')
    return f"进入阶段：{status_label(value)}"


def _failure(message: str) -> str:
    return message.splitlines()[0][:200] if message else "未知错误"


# Event type → (category, how to describe it). None from the describer leaves the event out.
DESCRIBERS: dict[int, tuple[str, Callable[[HistoryEvent, dict[int, str]], str | None]]] = {
    E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: ("run", lambda e, _: (
        "接续上一轮运行 (continued as new)" if e.workflow_execution_started_event_attributes.continued_execution_run_id
        else f"流程启动：{e.workflow_execution_started_event_attributes.workflow_type.name}")),
    E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: ("phase", lambda e, _: _phase_change(e)),
    E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: ("action", lambda e, _: (
        f"流程接受操作：{e.workflow_execution_update_accepted_event_attributes.accepted_request.input.name}")),
    E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: ("action", lambda e, _: (
        f"流程收到信号：{e.workflow_execution_signaled_event_attributes.signal_name}")),
    E.EVENT_TYPE_TIMER_STARTED: ("timer", lambda e, _: (
        f"设定计时：{_duration(e.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta())}后到期")),
    E.EVENT_TYPE_TIMER_FIRED: ("timer", lambda e, _: "计时到期 (deadline or reminder time reached)"),
    E.EVENT_TYPE_ACTIVITY_TASK_STARTED: ("retry", lambda e, types: (
        f"{types.get(e.activity_task_started_event_attributes.scheduled_event_id, '活动')} 第 "
        f"{e.activity_task_started_event_attributes.attempt} 次尝试，上次失败：{_failure(e.activity_task_started_event_attributes.last_failure.message)}"
        if e.activity_task_started_event_attributes.attempt > 1 else None)),
    E.EVENT_TYPE_ACTIVITY_TASK_FAILED: ("failure", lambda e, types: (
        f"{types.get(e.activity_task_failed_event_attributes.scheduled_event_id, '活动')} 失败："
        f"{_failure(e.activity_task_failed_event_attributes.failure.message)}")),
    E.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: ("failure", lambda e, types: (
        f"{types.get(e.activity_task_timed_out_event_attributes.scheduled_event_id, '活动')} 超时 (timed out)")),
    E.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED: ("run", lambda e, _: (
        f"启动子流程：{e.start_child_workflow_execution_initiated_event_attributes.workflow_type.name}")),
    E.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED: ("action", lambda e, _: (
        f"请求取消运行：{e.workflow_execution_cancel_requested_event_attributes.cause or '未说明原因'}")),
    E.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW: ("run", lambda e, _: "本轮结束，接续为新一轮运行 (continue-as-new)"),
    E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED: ("run", lambda e, _: "流程完成 (completed)"),
    E.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED: ("failure", lambda e, _: (
        f"流程失败：{_failure(e.workflow_execution_failed_event_attributes.failure.message)}")),
    E.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED: ("run", lambda e, _: "流程已取消 (cancelled)"),
    E.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED: ("failure", lambda e, _: (
        f"流程被终止：{e.workflow_execution_terminated_event_attributes.reason or '未说明原因'}")),
    E.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT: ("failure", lambda e, _: "流程超时 (timed out)"),
}  # fmt: skip


def _duration(delta) -> str:
    days, seconds = delta.days, delta.seconds
    parts = [f"{days} 天" if days else "", f"{seconds // 3600} 小时" if seconds // 3600 else "",
             f"{seconds % 3600 // 60} 分钟" if seconds % 3600 // 60 else ""]
    return " ".join(p for p in parts if p) or f"{seconds} 秒"


def history_entry(run_id: str, event: HistoryEvent, activity_types: dict[int, str]) -> TimelineEntry | None:
    """The event in words, or None for bookkeeping; `activity_types` collects the run's scheduled
    activities, which later events refer to by id."""
    if event.event_type == E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        activity_types[event.event_id] = event.activity_task_scheduled_event_attributes.activity_type.name
    described = DESCRIBERS.get(event.event_type)
    text = described[1](event, activity_types) if described else None
    if not text:
        return None
    return TimelineEntry(at=utc(event.event_time), source="temporal", category=described[0], text=text,
                         run_id=run_id, details={"event_id": event.event_id})


async def history_entries(client: Client, workflow_id: str, *, limit: int) -> list[TimelineEntry]:
    """The first `limit` entries of the run chain's history; no more of it is fetched."""
    entries: list[TimelineEntry] = []
    activity_types: dict[str, dict[int, str]] = defaultdict(dict)
    async with aclosing(chain_events(client, workflow_id)) as events:
        async for run_id, event in events:
            if entry := history_entry(run_id, event, activity_types[run_id]):
                entries.append(entry)
                if len(entries) == limit:
                    break
    return entries


ROLE_LABELS = {"admin": "管理员", "staff": "教研员", "teacher": "教师"}


def _audit_subjects(workflow_id: str) -> list:
    """Conditions matching the audit rows of this run's work: the run itself, its campaign or
    series, and the things inside it whose routes name them directly (sessions, trainings, tasks)."""
    subjects = [(AuditEntry.subject_type == "runs") & (AuditEntry.subject_id == workflow_id)]
    if (campaign_id := workflow_ids.campaign_id_of(workflow_id)) is not None:
        object_id, owned = campaign_id, [
            ("campaigns", None), ("trainings", select(Training.id).where(Training.campaign_id == campaign_id)),
            ("tasks", select(Task.id).where(Task.campaign_id == campaign_id))]
    elif (series_id := workflow_ids.series_id_of(workflow_id)) is not None:
        object_id, owned = series_id, [
            ("series", None), ("sessions", select(SeriesSession.id).where(SeriesSession.series_id == series_id))]
    else:
        return subjects
    for subject_type, ids in owned:
        matches = (AuditEntry.subject_id == str(object_id) if ids is None
                   else AuditEntry.subject_id.in_(ids.with_only_columns(cast(ids.selected_columns[0], String))))
        subjects.append((AuditEntry.subject_type == subject_type) & matches)
    return subjects  # fmt: skip


async def audit_entries(session: AsyncSession, workflow_id: str, *, limit: int) -> list[TimelineEntry]:
    """The first `limit` actions on the run, by time: the first of each subject's, merged."""
    rows = [row for subject in _audit_subjects(workflow_id) for row in await session.scalars(
        select(AuditEntry).where(subject).order_by(AuditEntry.at, AuditEntry.id).limit(limit))]
    return [
        TimelineEntry(at=row.at, source="audit", category="action", actor=row.actor_name,
                      text=f"{row.actor_name}（{ROLE_LABELS.get(row.actor_role, row.actor_role)}）"
                           f"{row.action or f'{row.method} {row.route}'}",
                      details={"route": f"{row.method} {row.route}", "path": row.path, "status": row.status_code,
                               **row.payload})
        for row in sorted(rows, key=lambda row: (row.at, row.id))[:limit]
    ]  # fmt: skip


async def notification_entries(session: AsyncSession, workflow_id: str, *, limit: int) -> list[TimelineEntry]:
    if (campaign_id := workflow_ids.campaign_id_of(workflow_id)) is not None:
        about = Notification.campaign_id == campaign_id
    elif (series_id := workflow_ids.series_id_of(workflow_id)) is not None:
        about = Notification.series_id == series_id
    else:
        return []
    notifications = (await session.scalars(select(Notification).where(about)
                                           .order_by(Notification.created_at, Notification.id).limit(limit))).all()
    outcomes: dict[int, Counter] = {n.id: Counter() for n in notifications}
    if notifications:
        counted = await session.execute(
            select(Delivery.notification_id, Delivery.channel, Delivery.status, func.count())
            .where(Delivery.notification_id.in_(outcomes))
            .group_by(Delivery.notification_id, Delivery.channel, Delivery.status)
        )
        for notification_id, channel, status, count in counted:
            outcomes[notification_id][f"{channel} {status}"] += count
    return [
        TimelineEntry(
            at=n.created_at, source="notification", category="notice",
            text=f"通知「{notice_label(n.kind)}」发给 {n.recipient_count} 人"
                 + ("；" + "，".join(f"{k} {v}" for k, v in sorted(outcomes[n.id].items())) if outcomes[n.id] else ""),
            details={"key": n.key, "recipients": n.recipient_count, "channels": dict(outcomes[n.id])},
        )
        for n in notifications
    ]  # fmt: skip


async def timeline(client: Client, session: AsyncSession, workflow_id: str, *, offset: int = 0,
                   limit: int) -> list[TimelineEntry]:
    """One page of the timeline, oldest first."""
    wanted = offset + limit
    entries = await history_entries(client, workflow_id, limit=wanted)
    entries += await audit_entries(session, workflow_id, limit=wanted)
    entries += await notification_entries(session, workflow_id, limit=wanted)
    # Stable sort: within the same instant, history order (then records) is kept.
    return sorted(entries, key=lambda entry: entry.at)[offset:wanted]
