"""Weekly joint sessions (联片教研 · 周周有约): term series, their sessions, check-in, minutes.

Every change is stored first (the database is the truth), committed, then handed to the
series' running workflow, which tells the people affected and re-plans its timers."""

from fastapi import APIRouter, Request, status

from actions.series import actions as series_actions
from api.audit import set_audit_subject
from api.deps import ContextDep
from api.pending import RUN_PENDING_RESPONSE, created_or_pending
from contracts.limits import Id
from contracts.series.api import (
    SessionCheckinOut, MinutesIn, MinutesOut, ParticipantsIn, ParticipantsOut, RescheduleIn, SeriesDetail, SeriesIn,
    SeriesOut, SessionDetail, SessionUpdate, SkipIn,
)
from contracts.series.history import SeriesAction

router = APIRouter(tags=["series"])


@router.post("/clusters/{cluster_id}/series", response_model=SeriesOut, status_code=status.HTTP_201_CREATED,
             responses=RUN_PENDING_RESPONSE, summary="安排学期联片教研")
async def create_series(request: Request, cluster_id: Id, data: SeriesIn, ctx: ContextDep):
    """Staff, admin, or the cluster's organiser (片长): plan a term of weekly sessions and start it
    (201; with Temporal unreachable 202: stored, its run starts when Temporal is back).
    Only staff name its organiser (a teacher of the cluster, or staff) or its campaign (one they steer)."""
    created = await series_actions.create_series(ctx, cluster_id=cluster_id, data=data)
    set_audit_subject(request, "series", created.id)
    return created_or_pending(created)


@router.get("/series/{series_id}", response_model=SeriesDetail)
async def read_series(series_id: Id, ctx: ContextDep):
    """Staff, admin, the cluster's teachers: the series with its upcoming and past sessions (host,
    status, attendance)."""
    return await series_actions.read_series(ctx, series_id=series_id)


@router.post("/series/{series_id}/pause", response_model=SeriesOut, summary="暂停联片教研")
async def pause_series(series_id: Id, data: SeriesAction, ctx: ContextDep):
    """The series' organiser, its owner (who planned it), admin: no sessions until resumed (the
    upcoming ones are called off)."""
    return await series_actions.pause_series(ctx, series_id=series_id, data=data)


@router.post("/series/{series_id}/resume", response_model=SeriesOut, summary="恢复联片教研")
async def resume_series(series_id: Id, data: SeriesAction, ctx: ContextDep):
    """The series' organiser, its owner (who planned it), admin: the sessions still ahead take place again."""
    return await series_actions.resume_series(ctx, series_id=series_id, data=data)


@router.post("/series/{series_id}/end", response_model=SeriesOut, summary="提前结束本学期联片教研")
async def end_series(series_id: Id, data: SeriesAction, ctx: ContextDep):
    """The series' organiser, its owner (who planned it), admin: end the term early; the sessions
    ahead are cancelled."""
    return await series_actions.end_series(ctx, series_id=series_id, data=data)


@router.post("/series/{series_id}/participants", response_model=ParticipantsOut, summary="添加参与教师")
async def add_participants(series_id: Id, data: ParticipantsIn, ctx: ContextDep):
    """The series' organiser, its owner (who planned it), admin: add teachers of its cluster; they take
    part from the next session on."""
    return await series_actions.add_participants(ctx, series_id=series_id, data=data)


@router.delete("/series/{series_id}/participants/{teacher_id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="移除参与教师")
async def remove_participant(series_id: Id, teacher_id: Id, ctx: ContextDep):
    """The series' organiser, its owner (who planned it), admin: the teacher leaves the sessions still ahead."""
    await series_actions.remove_participant(ctx, series_id=series_id, teacher_id=teacher_id)


@router.get("/sessions/{session_id}", response_model=SessionDetail)
async def read_session(session_id: Id, ctx: ContextDep):
    """Staff, admin, the cluster's teachers: one session with its check-ins and minutes."""
    return await series_actions.read_session(ctx, session_id=session_id)


@router.patch("/sessions/{session_id}", response_model=SessionDetail, summary="修改本次活动")
async def update_session(session_id: Id, data: SessionUpdate, ctx: ContextDep):
    """The series' organiser, its owner (who planned it), admin: change host, place, theme, agenda or
    recorder (a teacher of the cluster, or staff)."""
    return await series_actions.update_session(ctx, session_id=session_id, data=data)


@router.post("/sessions/{session_id}/skip", response_model=SessionDetail, summary="取消本次活动")
async def skip_session(session_id: Id, data: SkipIn, ctx: ContextDep):
    """The series' organiser, its owner (who planned it), admin: call one upcoming session off, with a
    reason."""
    return await series_actions.skip_session(ctx, session_id=session_id, data=data)


@router.post("/sessions/{session_id}/reschedule", response_model=SessionDetail, summary="调整活动时间")
async def reschedule_session(session_id: Id, data: RescheduleIn, ctx: ContextDep):
    """The series' organiser, its owner (who planned it), admin: move one upcoming session to another
    time."""
    return await series_actions.reschedule_session(ctx, session_id=session_id, data=data)


@router.post("/sessions/{session_id}/checkin", response_model=SessionCheckinOut, status_code=status.HTTP_201_CREATED,
             summary="活动签到")
async def check_in(session_id: Id, ctx: ContextDep):
    """Participant of the session, inside its check-in window (outside it: 409 naming the window)."""
    return await series_actions.check_in(ctx, session_id=session_id)


@router.put("/sessions/{session_id}/minutes", response_model=MinutesOut, summary="提交纪要")
async def put_minutes(session_id: Id, data: MinutesIn, ctx: ContextDep):
    """The host's recorder (default: the host school's contact), the series' organiser, its owner, admin."""
    return await series_actions.put_minutes(ctx, session_id=session_id, data=data)
