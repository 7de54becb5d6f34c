"""Weekly joint sessions (联片教研 · 周周有约): term series, their sessions, check-in, minutes.

Every change is stored first (the database is the truth), committed, then handed to the
series' running workflow, which tells the people affected and re-plans its timers."""

from fastapi import APIRouter, HTTPException, Request, status

from api.audit import set_audit_subject
from api.clock import NowDep
from api.deps import CurrentUser, SessionDep, SettingsDep, TemporalDep
from contracts.series import (
    CheckinOut,
    MinutesIn,
    MinutesOut,
    ParticipantsIn,
    ParticipantsOut,
    RescheduleIn,
    SeriesAction,
    SeriesDetail,
    SeriesIn,
    SeriesOut,
    SessionDetail,
    SessionUpdate,
    SkipIn,
)
from models import Cluster, Series, SeriesSession, User
from services import series as series_service
from services.directory import get_or_404
from services.series_runs import send_change, start_series_run

router = APIRouter(tags=["series"])

FORBIDDEN_MANAGE = "仅教研员、管理员或本系列的组织者（片长）可以操作 (staff, admin or the series organiser only)"


def _forbid(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_403_FORBIDDEN, detail=detail)


async def _managed_series(session, series_id: int, user: User) -> Series:
    series = await get_or_404(session, Series, series_id)
    if not series_service.can_manage(user, series):
        raise _forbid(FORBIDDEN_MANAGE)
    return series


async def _managed_session(session, session_id: int, user: User) -> SeriesSession:
    sess = await get_or_404(session, SeriesSession, session_id)
    await _managed_series(session, sess.series_id, user)
    return sess


async def _commit_and_send(session, temporal, change: series_service.Change) -> None:
    await session.commit()
    await send_change(temporal, change)


@router.post("/clusters/{cluster_id}/series", response_model=SeriesOut, status_code=status.HTTP_201_CREATED)
async def create_series(
    request: Request, cluster_id: int, data: SeriesIn, session: SessionDep, temporal: TemporalDep,
    settings: SettingsDep, user: CurrentUser, now: NowDep,
):
    """Staff, admin, or the cluster's organiser (片长): plan a term of weekly sessions and start it."""
    cluster = await get_or_404(session, Cluster, cluster_id)
    if not series_service.can_create(user, cluster):
        raise _forbid("仅教研员、管理员或本片区片长可以创建 (staff, admin or the cluster organiser only)")
    series = await series_service.create_series(
        session, cluster_id=cluster_id, data=data, actor=user, now=now, tz=settings.tz
    )
    await session.commit()
    await start_series_run(temporal, settings=settings, series=series, actor=user)
    set_audit_subject(request, "series", series.id)
    return series


@router.get("/series/{series_id}", response_model=SeriesDetail)
async def read_series(series_id: int, session: SessionDep, _: CurrentUser, now: NowDep):
    """Any logged-in user: the series with its upcoming and past sessions (host, status, attendance)."""
    return await series_service.series_detail(session, series=await get_or_404(session, Series, series_id), now=now)


@router.post("/series/{series_id}/pause", response_model=SeriesOut)
async def pause_series(series_id: int, data: SeriesAction, session: SessionDep, temporal: TemporalDep,
                       user: CurrentUser, now: NowDep):
    """Staff, admin, the series organiser: no sessions until resumed (the upcoming ones are called off)."""
    series = await _managed_series(session, series_id, user)
    await _commit_and_send(session, temporal, await series_service.pause_series(
        session, series=series, data=data, actor=user, now=now))
    return series


@router.post("/series/{series_id}/resume", response_model=SeriesOut)
async def resume_series(series_id: int, data: SeriesAction, session: SessionDep, temporal: TemporalDep,
                        user: CurrentUser, now: NowDep):
    """Staff, admin, the series organiser: the sessions still ahead take place again."""
    series = await _managed_series(session, series_id, user)
    await _commit_and_send(session, temporal, await series_service.resume_series(
        session, series=series, data=data, actor=user, now=now))
    return series


@router.post("/series/{series_id}/end", response_model=SeriesOut)
async def end_series(series_id: int, data: SeriesAction, session: SessionDep, temporal: TemporalDep,
                     user: CurrentUser, now: NowDep):
    """Staff, admin, the series organiser: end the term early; the sessions ahead are cancelled."""
    series = await _managed_series(session, series_id, user)
    await _commit_and_send(session, temporal, await series_service.end_series(
        session, series=series, data=data, actor=user, now=now))
    return series


@router.post("/series/{series_id}/participants", response_model=ParticipantsOut)
async def add_participants(series_id: int, data: ParticipantsIn, session: SessionDep, temporal: TemporalDep,
                           settings: SettingsDep, user: CurrentUser, now: NowDep):
    """Staff, admin, the series organiser: add teachers; they take part from the next session on."""
    series = await _managed_series(session, series_id, user)
    change, added, already = await series_service.add_participants(
        session, series=series, teacher_ids=data.teacher_ids, actor=user, now=now, tz=settings.tz)
    await _commit_and_send(session, temporal, change)
    return ParticipantsOut(added=added, already=already)


@router.delete("/series/{series_id}/participants/{teacher_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_participant(series_id: int, teacher_id: int, session: SessionDep, temporal: TemporalDep,
                             user: CurrentUser, now: NowDep):
    """Staff, admin, the series organiser: the teacher leaves the sessions still ahead."""
    series = await _managed_series(session, series_id, user)
    await _commit_and_send(session, temporal, await series_service.remove_participant(
        session, series=series, teacher_id=teacher_id, actor=user, now=now))


@router.get("/sessions/{session_id}", response_model=SessionDetail)
async def read_session(session_id: int, session: SessionDep, _: CurrentUser):
    """Any logged-in user: one session with its check-ins and minutes."""
    return await series_service.session_detail(session, sess=await get_or_404(session, SeriesSession, session_id))


@router.patch("/sessions/{session_id}", response_model=SessionDetail)
async def update_session(session_id: int, data: SessionUpdate, session: SessionDep, temporal: TemporalDep,
                         settings: SettingsDep, user: CurrentUser, now: NowDep):
    """Staff, admin, the series organiser: change host, place, theme, agenda or recorder."""
    sess = await _managed_session(session, session_id, user)
    await _commit_and_send(session, temporal, await series_service.update_session(
        session, sess=sess, data=data, actor=user, now=now, tz=settings.tz))
    return await series_service.session_detail(session, sess=sess)


@router.post("/sessions/{session_id}/skip", response_model=SessionDetail)
async def skip_session(session_id: int, data: SkipIn, session: SessionDep, temporal: TemporalDep,
                       settings: SettingsDep, user: CurrentUser, now: NowDep):
    """Staff, admin, the series organiser: call one upcoming session off, with a reason."""
    sess = await _managed_session(session, session_id, user)
    await _commit_and_send(session, temporal, await series_service.skip_session(
        session, sess=sess, reason=data.reason, actor=user, now=now, tz=settings.tz))
    return await series_service.session_detail(session, sess=sess)


@router.post("/sessions/{session_id}/reschedule", response_model=SessionDetail)
async def reschedule_session(session_id: int, data: RescheduleIn, session: SessionDep, temporal: TemporalDep,
                             settings: SettingsDep, user: CurrentUser, now: NowDep):
    """Staff, admin, the series organiser: move one upcoming session to another time."""
    sess = await _managed_session(session, session_id, user)
    await _commit_and_send(session, temporal, await series_service.reschedule_session(
        session, sess=sess, data=data, actor=user, now=now, tz=settings.tz))
    return await series_service.session_detail(session, sess=sess)


@router.post("/sessions/{session_id}/checkin", response_model=CheckinOut, status_code=status.HTTP_201_CREATED)
async def check_in(session_id: int, session: SessionDep, settings: SettingsDep, user: CurrentUser, now: NowDep):
    """A participant of the session, inside its check-in window (outside it: 409 naming the window)."""
    sess = await get_or_404(session, SeriesSession, session_id)
    if not await series_service.is_participant(session, sess=sess, user_id=user.id):
        raise _forbid("你不是本次活动的参与者 (not a participant of this session)")
    checkin = await series_service.check_in(session, sess=sess, user=user, now=now, tz=settings.tz)
    await session.commit()
    return checkin


@router.put("/sessions/{session_id}/minutes", response_model=MinutesOut)
async def put_minutes(session_id: int, data: MinutesIn, session: SessionDep, user: CurrentUser, now: NowDep):
    """The host's recorder (default: the host school's contact), the series organiser, staff, admin."""
    sess = await get_or_404(session, SeriesSession, session_id)
    series = await get_or_404(session, Series, sess.series_id)
    if not await series_service.can_write_minutes(session, user, series, sess):
        raise _forbid("仅承办学校的记录人、组织者或教研员可以提交纪要 (the host's recorder, organiser or staff only)")
    minutes = await series_service.put_minutes(session, sess=sess, data=data, user=user, now=now)
    await session.commit()
    return minutes
