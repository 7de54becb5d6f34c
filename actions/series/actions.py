"""Weekly joint sessions (联片教研 · 周周有约): planning a cluster's term, steering it while it runs,
check-in and minutes, and who may do each.

Every change is stored and committed first (the database is the truth), then handed to the
series' run, which tells the people affected and re-plans its timers."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from actions.campaigns.actions import steered_campaign
from actions.context import Context
from actions.policy import is_admin, is_staff
from contracts.errors import Forbidden
from contracts.runs.api import RunPending
from contracts.series.api import (
    MinutesIn, ParticipantsIn, ParticipantsOut, RescheduleIn, SeriesDetail, SeriesIn, SessionDetail, SessionUpdate,
    SessionStatus, SkipIn,
)
from contracts.series.history import SeriesAction
from engine import series as series_run
from engine.starts import NotStarted
from models import Cluster, Series, SeriesSession, SessionCheckin, SessionMinutes, User
from services import charts
from services.attendance import AttendanceKind, default_rule
from services.directory.service import get_or_404, teacher_cluster_id
from services.series import changes as series_changes
from services.series import service as series_service

NOT_ORGANISER = "仅本系列的组织者、创建它的教研员或管理员可以操作 (the series' organiser, its owning staff or an admin only)"
NOT_OF_CLUSTER = "仅本片区的教师、教研员和管理员可以查看 (the cluster's teachers, staff and admins only)"
ONLY_STAFF_CHOOSE = "只有教研员可以指定系列的组织者或所属活动 (only staff set a series' organiser or campaign)"


# ---- who may ----


def can_create(user: User, *, cluster: Cluster) -> bool:
    """Staff, admins and the cluster's organiser (片长) plan its terms."""
    return is_staff(user) or user.id == cluster.organiser_user_id


def can_manage(user: User, *, series: Series) -> bool:
    """Admins, whoever planned the term (the owning staff member, or the cluster's organiser) and
    the series' organiser steer it; other staff read it."""
    return is_admin(user) or user.id in (series.organiser_user_id, series.created_by_user_id)


async def can_write_minutes(ctx: Context, *, series: Series, meeting: SeriesSession) -> bool:
    """Those who steer the series, and whoever owes this session's minutes (its recorder,
    by default the host school's contact)."""
    return can_manage(ctx.user, series=series) or ctx.user.id == await series_service.recorder_of(ctx.session, meeting)


async def _readable_series(ctx: Context, series_id: int) -> Series:
    """Staff and admins read every series; teachers those of their own cluster (sessions,
    check-ins and minutes name the cluster's people)."""
    series = await get_or_404(ctx.session, Series, series_id)
    if not (is_staff(ctx.user) or can_manage(ctx.user, series=series)
            or await teacher_cluster_id(ctx.session, user_id=ctx.user.id) == series.cluster_id):
        raise Forbidden(NOT_OF_CLUSTER)
    return series


async def _readable_session(ctx: Context, session_id: int) -> tuple[Series, SeriesSession]:
    meeting = await get_or_404(ctx.session, SeriesSession, session_id)
    return await _readable_series(ctx, meeting.series_id), meeting


async def _managed_series(ctx: Context, series_id: int) -> Series:
    series = await get_or_404(ctx.session, Series, series_id)
    if not can_manage(ctx.user, series=series):
        raise Forbidden(NOT_ORGANISER)
    return series


async def _choices_allowed(ctx: Context, data: SeriesIn) -> None:
    """A cluster organiser plans her own cluster's term; naming someone else to run it, or tying it
    to a campaign, is for staff, and staff only to a campaign they steer."""
    if data.organiser_user_id is None and data.campaign_id is None:
        return
    if not is_staff(ctx.user):
        raise Forbidden(ONLY_STAFF_CHOOSE, required_roles=["staff", "admin"])
    if data.campaign_id is not None:
        await steered_campaign(ctx, data.campaign_id)


async def _managed_session(ctx: Context, session_id: int) -> SeriesSession:
    meeting = await get_or_404(ctx.session, SeriesSession, session_id)
    await _managed_series(ctx, meeting.series_id)
    return meeting


async def _commit_and_send(ctx: Context, change: series_changes.Change) -> None:
    change.keep_for_run()
    await ctx.session.commit()
    await series_run.send_change(ctx.temporal, series=change.series, change=change.for_workflow())


# ---- the term ----


async def create_series(ctx: Context, *, cluster_id: int, data: SeriesIn) -> Series | RunPending:
    """Staff, admin, or the cluster's organiser: plan a term of weekly sessions and start its run.
    The organiser it names and the campaign it belongs to are staff's choice (_choices_allowed).
    If Temporal does not take the start, the series stays and its run starts later (the worker's
    reconciler starts it)."""
    cluster = await get_or_404(ctx.session, Cluster, cluster_id)
    if not can_create(ctx.user, cluster=cluster):
        raise Forbidden("仅教研员、管理员或本片区片长可以创建 (staff, admin or the cluster organiser only)")
    await _choices_allowed(ctx, data)
    series = await series_service.create_series(
        ctx.session, cluster_id=cluster_id, data=data, actor=ctx.user, now=ctx.now, tz=ctx.settings.tz,
        checkin=default_rule(AttendanceKind.session, ctx.settings),
    )
    await ctx.session.commit()
    try:
        await series_run.start(ctx.temporal, settings=ctx.settings, series=series, started_by=ctx.user.username)
    except NotStarted:
        return RunPending(id=series.id, workflow_id=series.workflow_id)
    return series


async def list_series(ctx: Context) -> list[Series]:
    """Staff and admins see every series, newest term first; teachers the ones they take part in."""
    return await series_service.series_list(ctx.session,
                                            participant_user_id=None if is_staff(ctx.user) else ctx.user.id)


def attendance_chart(detail: SeriesDetail) -> charts.Chart | None:
    """Attendance of each session held so far, per cent (the calendar's table beside it says the same)."""
    held = [s for s in detail.past if s.status == SessionStatus.held and s.participants]
    if not held:
        return None
    return charts.bars("各次活动出勤率（%）", [f"第{s.number}次" for s in held],
                       {"出勤率": [round(100 * s.checked_in / s.participants, 1) for s in held]})


async def read_series(ctx: Context, *, series_id: int) -> SeriesDetail:
    """Staff, admins, the cluster's teachers: the series with its upcoming and past sessions."""
    series = await _readable_series(ctx, series_id)
    return await series_service.series_detail(ctx.session, series=series, now=ctx.now)


# A rule of services/series/service.py that stores one change and says what the run must tell people.
ChangeRule = Callable[..., Awaitable[series_changes.Change]]


async def _steer(ctx: Context, *, series_id: int, data: SeriesAction, rule: ChangeRule) -> Series:
    series = await _managed_series(ctx, series_id)
    await _commit_and_send(ctx, await rule(ctx.session, series=series, data=data, actor=ctx.user, now=ctx.now))
    return series


async def pause_series(ctx: Context, *, series_id: int, data: SeriesAction) -> Series:
    """Those who steer it: no sessions until resumed (the upcoming ones are called off)."""
    return await _steer(ctx, series_id=series_id, data=data, rule=series_changes.pause_series)


async def resume_series(ctx: Context, *, series_id: int, data: SeriesAction) -> Series:
    """Those who steer it: the sessions still ahead take place again."""
    return await _steer(ctx, series_id=series_id, data=data, rule=series_changes.resume_series)


async def end_series(ctx: Context, *, series_id: int, data: SeriesAction) -> Series:
    """Those who steer it: end the term early; the sessions ahead are cancelled."""
    return await _steer(ctx, series_id=series_id, data=data, rule=series_changes.end_series)


async def add_participants(ctx: Context, *, series_id: int, data: ParticipantsIn) -> ParticipantsOut:
    """Those who steer it: the teachers take part from the next session on."""
    series = await _managed_series(ctx, series_id)
    change, added, already = await series_changes.add_participants(
        ctx.session, series=series, teacher_ids=data.teacher_ids, actor=ctx.user, now=ctx.now)
    await _commit_and_send(ctx, change)
    return ParticipantsOut(added=added, already=already)


async def remove_participant(ctx: Context, *, series_id: int, teacher_id: int) -> None:
    """Those who steer it: the teacher leaves the sessions still ahead."""
    series = await _managed_series(ctx, series_id)
    await _commit_and_send(ctx, await series_changes.remove_participant(
        ctx.session, series=series, teacher_id=teacher_id, actor=ctx.user, now=ctx.now))


# ---- one session ----


async def read_session(ctx: Context, *, session_id: int) -> SessionDetail:
    """Staff, admins, the cluster's teachers: the session with its check-ins and minutes."""
    _, meeting = await _readable_session(ctx, session_id)
    return await series_service.session_detail(ctx.session, meeting=meeting)


@dataclass(frozen=True)
class SessionPage:
    """A session as one user sees it: what they may do there decides the buttons and forms."""

    series: Series
    detail: SessionDetail
    participant: bool
    checked_in: bool
    can_write_minutes: bool


async def session_view(ctx: Context, *, session_id: int) -> SessionPage:
    """Staff, admins, the cluster's teachers."""
    series, meeting = await _readable_session(ctx, session_id)
    detail = await series_service.session_detail(ctx.session, meeting=meeting)
    return SessionPage(
        series=series, detail=detail,
        participant=await series_service.is_participant(ctx.session, meeting=meeting, user_id=ctx.user.id),
        checked_in=any(checkin.user_id == ctx.user.id for checkin in detail.checkins),
        can_write_minutes=await can_write_minutes(ctx, series=series, meeting=meeting),
    )


async def _change_session(ctx: Context, *, session_id: int, rule: ChangeRule, **values) -> SessionDetail:
    meeting = await _managed_session(ctx, session_id)
    change = await rule(ctx.session, meeting=meeting, actor=ctx.user, now=ctx.now, **values)
    await _commit_and_send(ctx, change)
    return await series_service.session_detail(ctx.session, meeting=meeting)


async def update_session(ctx: Context, *, session_id: int, data: SessionUpdate) -> SessionDetail:
    """Those who steer the series: host, place, theme, agenda or recorder."""
    return await _change_session(ctx, session_id=session_id, rule=series_changes.update_session, data=data)


async def skip_session(ctx: Context, *, session_id: int, data: SkipIn) -> SessionDetail:
    """Those who steer the series: call one upcoming session off, with a reason."""
    return await _change_session(ctx, session_id=session_id, rule=series_changes.skip_session, reason=data.reason)


async def reschedule_session(ctx: Context, *, session_id: int, data: RescheduleIn) -> SessionDetail:
    """Those who steer the series: move one upcoming session to another time."""
    return await _change_session(ctx, session_id=session_id, rule=series_changes.reschedule_session, data=data,
                                 tz=ctx.settings.tz)


async def check_in(ctx: Context, *, session_id: int) -> SessionCheckin:
    """A participant of the session, inside its check-in window; checking in twice keeps the first."""
    meeting = await get_or_404(ctx.session, SeriesSession, session_id)
    if not await series_service.is_participant(ctx.session, meeting=meeting, user_id=ctx.user.id):
        raise Forbidden("你不是本次活动的参与者 (not a participant of this session)")
    checkin = await series_service.check_in(ctx.session, meeting=meeting, user=ctx.user, now=ctx.now, tz=ctx.settings.tz)
    await ctx.session.commit()
    return checkin


async def put_minutes(ctx: Context, *, session_id: int, data: MinutesIn) -> SessionMinutes:
    """The host's recorder, those who steer the series: once the session has been held."""
    meeting = await get_or_404(ctx.session, SeriesSession, session_id)
    series = await get_or_404(ctx.session, Series, meeting.series_id)
    if not await can_write_minutes(ctx, series=series, meeting=meeting):
        raise Forbidden("仅承办学校的记录人、组织者或教研员可以提交纪要 (the host's recorder, organiser or staff only)")
    minutes = await series_service.put_minutes(ctx.session, meeting=meeting, data=data, user=ctx.user, now=ctx.now)
    await ctx.session.commit()
    return minutes
