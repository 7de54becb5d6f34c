"""The promises every programme shares, checked at the end of a soak (and the cheap ones while it
runs). Each check is a plain function of the facts it judges, so tests/test_soak_invariants.py can
hand it a broken state and see it fail; `gather` reads those facts from the database, Temporal and
the receivers."""

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import column, func, select, table

from contracts.campaigns.history import CYCLE
from contracts import workflow_ids
from contracts.campaigns.phase_rules import RULES, CampaignAction
from contracts.series.api import SeriesIn
from models import (CampaignPhase, CheckIn, Delivery, InboxItem, Notification, Problem, Reflection, RunStall, Series,
                    SeriesSession, Task, Vote)
from services.series.service import session_dates
from soak.people import Ack, Response
from soak.programmes.base import Result, first as _first

# Temporal's limits on one history (server defaults): half of each is the soak's bound.
HISTORY_EVENTS_LIMIT, HISTORY_BYTES_LIMIT = 51_200, 50 * 1024 * 1024
NOT_NULL = "<not null>"
ACTED_BEFORE = timedelta(seconds=1)  # an action this long before a reminder was stored was seen by its composition


# ---- runs ----

@dataclass(frozen=True)
class RunInfo:
    workflow_id: str
    type: str
    status: str  # RUNNING, COMPLETED, FAILED, TERMINATED, TIMED_OUT, CANCELED, CONTINUED_AS_NEW
    events: int = 0
    bytes: int = 0


def runs_not_wedged(runs: list[RunInfo], stalled: list[str]) -> Result:
    """No run failed, terminated or timed out; no run shows stalled; no notice's delivery still open
    after the drain (a delivery has nothing to wait for but its own rounds)."""
    broken = [f"{r.workflow_id} {r.status}" for r in runs if r.status in ("FAILED", "TERMINATED", "TIMED_OUT")]
    open_deliveries = [r.workflow_id for r in runs if r.type == "DeliverNotificationWorkflow" and r.status == "RUNNING"]
    bad = broken + [f"{w} stalled" for w in stalled] + [f"{w} still delivering" for w in open_deliveries]
    running = sum(r.status == "RUNNING" for r in runs)
    return Result("运行无卡死 no run wedged, failed or stalled", not bad,
                  f"{len(runs)} runs, {running} still running (waiting on their timers), {len(bad)} wedged",
                  _first(bad))


def histories_bounded(runs: list[RunInfo]) -> Result:
    worst = max(runs, key=lambda r: r.events, default=RunInfo("-", "-", "-"))
    biggest = max(runs, key=lambda r: r.bytes, default=RunInfo("-", "-", "-"))
    over = [f"{r.workflow_id}: {r.events} events, {r.bytes} B" for r in runs
            if r.events > HISTORY_EVENTS_LIMIT / 2 or r.bytes > HISTORY_BYTES_LIMIT / 2]
    return Result("历史不超过 Temporal 上限的一半 every history under half of Temporal's limits", not over,
                  f"worst {worst.events} events ({worst.workflow_id}), largest {biggest.bytes / 1024:.0f} KiB "
                  f"(limits {HISTORY_EVENTS_LIMIT} events, {HISTORY_BYTES_LIMIT // 2**20} MiB)", _first(over))


# ---- writes and answers ----

def acknowledged_writes(acks: list[Ack], missing: list[Ack]) -> Result:
    return Result("已确认的写入都在数据库中 every acknowledged write is in the database", not missing,
                  f"{len(acks) - len(missing)} of {len(acks)} acknowledged writes found",
                  _first(f"{a.what} {a.table} {a.where}" for a in missing))


async def missing_writes(session, acks: list[Ack]) -> list[Ack]:
    """The acknowledged writes whose promised row is not in the database."""
    missing = []
    for ack in acks:
        stmt = select(func.count()).select_from(table(ack.table))
        for name, value in ack.where.items():
            stmt = stmt.where(column(name).is_not(None) if value == NOT_NULL else column(name) == value)
        if not await session.scalar(stmt):
            missing.append(ack)
    return missing


def no_5xx_outside_faults(responses: list[Response], windows: list[tuple[float, float]]) -> Result:
    errors = [r for r in responses if r.status >= 500]
    outside = [r for r in errors if not any(start <= r.at <= end for start, end in windows)]
    return Result("故障窗口外没有 5xx no 5xx outside the injected fault windows", not outside,
                  f"{len(outside)} outside, {len(errors) - len(outside)} inside {len(windows)} windows, "
                  f"of {len(responses)} requests",
                  _first(f"{r.what} {r.status} at {r.at:.1f}s" for r in outside))


# ---- notices ----

def notice_rows_settled(statuses: Counter) -> Result:
    pending = sum(n for status, n in statuses.items() if status not in ("sent", "failed", "withdrawn"))
    figure = ", ".join(f"{status} {n}" for status, n in sorted(statuses.items())) or "no rows"
    return Result("通知行都已结束 every notice row ends sent, failed or withdrawn", not pending,
                  f"{figure}; {pending} open")


def inbox_once(rows: int, repeated: Counter) -> Result:
    """`rows`: inbox rows in all; `repeated`: (notification id, user id) → rows, where more than one."""
    twice = [f"notice {n} user {u}: {c}" for (n, u), c in repeated.items() if c > 1]
    return Result("站内信每人每条一次 the inbox holds each (notice, user) once", not twice,
                  f"{rows} inbox rows, {len(twice)} repeated", _first(twice))


def duplicates_within_bound(channel: str, sent: Counter, bound: int) -> Result:
    """`sent`: a message's identity (e-mail: Message-ID; robots: delivery id) → copies received.
    README: at most once, except after a crash, when up to the in-flight bound per delivery run go again."""
    extra = sum(n - 1 for n in sent.values() if n > 1)
    return Result(f"{channel} 重复在上限内 {channel} duplicates within README's bound per crash", extra <= bound,
                  f"{extra} repeated of {sum(sent.values())} (bound {bound})",
                  _first(k for k, n in sent.items() if n > 1))


def repeats_keep_their_id(requests: list[tuple[str, bytes, str]]) -> Result:
    """`requests`: (path, body, delivery id) as the receiver got them. A notice's message sent again
    (same path, same body but for its own id and signature) must carry the same delivery id. Two
    notices may say the same words (a campaign's reminders 90 s and 30 s before one deadline): the
    delivery id names its notice (`{notice}-g{group}`), and only one notice's ids are compared."""
    ids: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for path, body, delivery_id in requests:
        ids[(path, _content(body), delivery_id.split("-")[0])].add(delivery_id)
    changed = [f"{path}: {sorted(found)}" for (path, _, _), found in ids.items() if len(found) > 1]
    return Result("机器人重发同一投递编号 robot and webhook repeats carry the same delivery id", not changed,
                  f"{len(requests)} requests, {len(ids)} distinct messages, {len(changed)} resent under a new id",
                  _first(changed))


def _content(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return body.decode(errors="replace")
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if k not in ("delivery_id", "timestamp", "sign", "sent_at")}
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def no_reminder_after_acting(reminders: list[tuple[str, datetime, set[int]]],
                             acted: dict[str, dict[int, datetime]]) -> Result:
    """`reminders`: (what it chases, stored at, recipients); `acted`: what → user → when she first
    did it. Nobody is reminded of what she had done before the reminder was composed."""
    wrong = []
    for what, stored_at, recipients in reminders:
        for user in recipients:
            when = acted.get(what, {}).get(user)
            if when is not None and when < stored_at - ACTED_BEFORE:
                wrong.append(f"user {user} reminded to {what} at {stored_at:%H:%M:%S}, acted {when:%H:%M:%S}")
    return Result("已行动者不再被提醒 no reminder to someone who had acted before it was composed", not wrong,
                  f"{len(reminders)} reminders, {sum(len(r) for _, _, r in reminders)} recipients, {len(wrong)} wrong",
                  _first(wrong))


# ---- campaigns' phases and series' sessions ----

@dataclass(frozen=True)
class Window:
    phase: str
    opened_at: datetime | None
    closed_at: datetime | None  # the run's time of the close (workflow.now() when it decided)
    # When the close was surely stored: its activity's completion in the run's history. A teacher's
    # write between the run's decision and that commit was taken while the database still had the
    # phase open, which is the rule (the guard reads the database, under its lock).
    stored_closed_at: datetime | None = None


def phases_as_ruled(windows: dict[int, list[Window]], actions: list[tuple[int, str, datetime]]) -> Result:
    """Each campaign's phases opened in the cycle's order, one after the other; each teacher action
    stored (campaign, rule-table action, when) fell in a phase the rule table allows it in."""
    wrong = []
    for campaign, phases in windows.items():
        opened = [w for w in phases if w.opened_at is not None]
        if [w.phase for w in opened] != [p.value for p in CYCLE][: len(opened)]:
            wrong.append(f"campaign {campaign} opened {[w.phase for w in opened]}")
        for before, after in zip(opened, opened[1:]):
            if before.closed_at is None or before.closed_at > after.opened_at:
                wrong.append(f"campaign {campaign}: {after.phase} opened before {before.phase} closed")
    for campaign, action, when in actions:
        allowed = {p.value for p in RULES[CampaignAction(action)].phases}
        if not any(w.phase in allowed and _within(when, w) for w in windows.get(campaign, [])):
            wrong.append(f"campaign {campaign}: {action} at {when:%H:%M:%S.%f} outside {sorted(allowed)}")
    return Result("阶段只按规则表推进 phases move, and actions land, only as the rule table allows", not wrong,
                  f"{len(windows)} campaigns, {len(actions)} teacher actions checked, {len(wrong)} out of rule",
                  _first(wrong))


def _within(when: datetime, window: Window) -> bool:
    end = window.stored_closed_at or window.closed_at
    return window.opened_at is not None and window.opened_at <= when and (end is None or when <= end)


def series_have_sessions(expected: dict[int, int], actual: dict[int, int]) -> Result:
    wrong = [f"series {s}: {actual.get(s, 0)} of {n}" for s, n in expected.items() if actual.get(s, 0) != n]
    return Result("每个联片教研都有应有的场次 every series has its expected sessions", not wrong,
                  f"{sum(actual.values())} sessions in {len(expected)} series", _first(wrong))


# ---- reading the facts ----

REMINDED = {"collect_topics": "submit_problem", "reflect": "reflect"}  # reminders whose action is one row each


async def gather(soak) -> list[Result]:
    stack = soak.stack
    runs = await _runs(stack.client)
    async with stack.sessions() as session:
        stalled = list(await session.scalars(select(RunStall.workflow_id).distinct()))
        missing = await missing_writes(session, soak.people.acks)
        statuses = Counter(dict((await session.execute(
            select(Delivery.status, func.count()).group_by(Delivery.status))).all()))
        repeated = Counter({(n, u): c for n, u, c in (await session.execute(
            select(InboxItem.notification_id, InboxItem.user_id, func.count())
            .group_by(InboxItem.notification_id, InboxItem.user_id).having(func.count() > 1))).all()})
        inbox_rows = await session.scalar(select(func.count()).select_from(InboxItem))
        reminders, acted = await _reminders(session, acknowledged={
            (ack.table, ack.where.get("id")): stack.wall(ack.at) for ack in soak.people.acks})
        windows, actions = await _phases(session, stack.client)
        expected, actual = await _sessions(session)
    crashes = soak.schedule.crashes()
    bound = sum(max(1, f.deliveries_in_flight) for f in crashes) * stack.settings.delivery_parallel_batches \
        * stack.settings.delivery_concurrency
    robot_requests = [(r.path, r.body, r.headers.get("x-jiaoyan-delivery", "")) for r in stack.receiver.requests]
    return [
        runs_not_wedged(runs, stalled),
        histories_bounded(runs),
        acknowledged_writes(soak.people.acks, missing),
        notice_rows_settled(statuses),
        inbox_once(inbox_rows, repeated),
        duplicates_within_bound("e-mail", Counter(stack.mail.message_ids), bound),
        duplicates_within_bound("robot/webhook", Counter(i for _, _, i in robot_requests), bound),
        repeats_keep_their_id(robot_requests),
        no_reminder_after_acting(reminders, acted),
        phases_as_ruled(windows, actions),
        series_have_sessions(expected, actual),
        no_5xx_outside_faults(soak.people.responses, soak.schedule.windows()),
    ]


async def _runs(client) -> list[RunInfo]:
    """Every run on the server; a running one's history size is asked of the run itself
    (visibility records it only when the run closes)."""
    runs = []
    async for execution in client.list_workflows():
        events, size = execution.history_length or 0, execution.raw_info.history_size_bytes or 0
        status = execution.status.name if execution.status else "?"
        if status == "RUNNING":
            info = (await client.get_workflow_handle(execution.id, run_id=execution.run_id).describe()
                    ).raw_description.workflow_execution_info
            events, size = info.history_length, info.history_size_bytes
        runs.append(RunInfo(execution.id, execution.workflow_type, status, events, size))
    return runs


async def _reminders(session, *, acknowledged: dict[tuple[str, object], datetime]) -> tuple[list, dict]:
    """A teacher acted when her write was acknowledged, surely stored (`acknowledged`: (table, row
    id) → when), or, for a write whose answer was lost, when its row was made. Not the row's
    `created_at` alone: under SQLite's one writer the row is made seconds before it is committed,
    and a reminder composed in between rightly did not see it."""
    reminders = []
    rows = (await session.execute(
        select(Notification.id, Notification.key, Notification.created_at, Notification.campaign_id)
        .where(Notification.key.contains(":reminder:"), Notification.campaign_id.is_not(None)))).all()
    for notification_id, key, stored_at, campaign_id in rows:
        phase = key.split(":")[2]
        if phase in REMINDED:
            users = set(await session.scalars(
                select(InboxItem.user_id).where(InboxItem.notification_id == notification_id)))
            reminders.append((f"{campaign_id}:{REMINDED[phase]}", stored_at, users))
    acted: dict[str, dict[int, datetime]] = defaultdict(dict)
    for action, model, user_column in (("submit_problem", Problem, Problem.author_user_id),
                                       ("reflect", Reflection, Reflection.user_id)):
        for row_id, campaign_id, user, made in (await session.execute(
                select(model.id, model.campaign_id, user_column, model.created_at))).all():
            when = acknowledged.get((model.__tablename__, row_id), made)
            mine = acted[f"{campaign_id}:{action}"]
            mine[user] = min(mine.get(user, when), when)
    return reminders, acted


async def _phases(session, client) -> tuple[dict, list]:
    windows: dict[int, list[Window]] = defaultdict(list)
    rows = list(await session.scalars(
        select(CampaignPhase).order_by(CampaignPhase.campaign_id, CampaignPhase.position)))
    stored = {campaign: await _transitions_stored(client, campaign) for campaign in {r.campaign_id for r in rows}}
    for row in rows:
        windows[row.campaign_id].append(Window(str(row.phase), _utc(row.opened_at), _utc(row.closed_at),
                                               _closed_stored(stored[row.campaign_id], str(row.phase))))
    actions = []
    stored_at = [(Problem, Problem.created_at, "submit_problem"), (Vote, Vote.created_at, "vote"),
                 (CheckIn, CheckIn.checked_in_at, "check_in"), (Reflection, Reflection.created_at, "reflect"),
                 (Task, Task.delivered_at, "deliver_task")]
    for model, when, action in stored_at:
        for campaign_id, at in (await session.execute(select(model.campaign_id, when).where(when.is_not(None)))).all():
            actions.append((campaign_id, action, _utc(at)))
    return dict(windows), actions


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=timezone.utc) if moment is not None and moment.tzinfo is None else moment


async def _transitions_stored(client, campaign_id: int) -> list[tuple[str, str, datetime]]:
    """(phase, step, stored at) of every transition the campaign's runs recorded, in order: each
    record_transition activity's input and the time its completion reached the history."""
    found = []
    runs = [e async for e in client.list_workflows(f"WorkflowId = '{workflow_ids.campaign(campaign_id)}'")]
    for execution in sorted(runs, key=lambda e: e.start_time):
        history = await client.get_workflow_handle(execution.id, run_id=execution.run_id).fetch_history()
        scheduled = {}
        for event in history.events:
            if event.HasField("activity_task_scheduled_event_attributes"):
                attributes = event.activity_task_scheduled_event_attributes
                if attributes.activity_type.name == "record_transition":
                    scheduled[event.event_id] = json.loads(attributes.input.payloads[0].data)
            elif event.HasField("activity_task_completed_event_attributes"):
                transition = scheduled.get(event.activity_task_completed_event_attributes.scheduled_event_id)
                if transition is not None:
                    found.append((transition["phase"], transition["step"], event.event_time.ToDatetime(timezone.utc)))
    return found


def _closed_stored(transitions: list[tuple[str, str, datetime]], phase: str) -> datetime | None:
    """When the first transition that left `phase` open (to its deciding step or another phase) was stored."""
    opened = phase == "collect_topics"  # open from the campaign's creation
    for to_phase, step, at in transitions:
        if (to_phase, step) == (phase, "open"):
            opened = True
        elif opened:
            return at
    return None


async def _sessions(session) -> tuple[dict[int, int], dict[int, int]]:
    expected = {}
    for series in await session.scalars(select(Series)):
        planned = SeriesIn(title=series.title, weekday=series.weekday, start_time=series.start_time,
                           end_time=series.end_time, term_start=series.term_start, term_end=series.term_end,
                           skip_dates=series.skip_dates)
        expected[series.id] = len(session_dates(planned))
    actual = dict((await session.execute(
        select(SeriesSession.series_id, func.count()).group_by(SeriesSession.series_id))).all())
    return expected, actual
