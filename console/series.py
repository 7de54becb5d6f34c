"""Weekly joint sessions in the console: the term calendar with attendance, a session's page
with check-in for participants and the minutes form for the host's recorder."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from api.clock import NowDep
from api.deps import SessionDep, SettingsDep
from console.auth import ConsoleUser, CsrfChecked
from console.render import page
from contracts.directory import Role
from contracts.series import MinutesIn
from models import Series, SeriesParticipant, SeriesSession
from services import series as series_service
from services.directory import get_or_404
from contracts.errors import DomainError

router = APIRouter()


@router.get("/series")
async def series_list(request: Request, user: ConsoleUser, session: SessionDep):
    stmt = select(Series).order_by(Series.term_start.desc(), Series.id)
    if user.role == Role.teacher:
        stmt = stmt.where(Series.id.in_(select(SeriesParticipant.series_id).where(SeriesParticipant.user_id == user.id)))
    return page(request, "series_list.html", user, items=(await session.scalars(stmt)).all())


@router.get("/series/{series_id}")
async def series_calendar(request: Request, series_id: int, user: ConsoleUser, session: SessionDep, now: NowDep):
    series = await get_or_404(session, Series, series_id)
    detail = await series_service.series_detail(session, series=series, now=now)
    return page(request, "series.html", user, series=detail, sessions=[*detail.past, *detail.upcoming])


async def _session_page(request: Request, user, session, session_id: int, *, status_code: int = 200,
                        flash: str = "", errors: dict | None = None, values: dict | None = None):
    sess = await get_or_404(session, SeriesSession, session_id)
    series = await get_or_404(session, Series, sess.series_id)
    detail = await series_service.session_detail(session, sess=sess)
    return page(
        request, "session.html", user, status_code=status_code, flash=flash, errors=errors or {},
        values=values or {}, series=series, detail=detail,
        participant=await series_service.is_participant(session, sess=sess, user_id=user.id),
        checked_in=any(c.user_id == user.id for c in detail.checkins),
        recorder=await series_service.can_write_minutes(session, user, series, sess),
    )  # fmt: skip


@router.get("/sessions/{session_id}")
async def session_page(request: Request, session_id: int, user: ConsoleUser, session: SessionDep, done: str = ""):
    flash = {"checkin": "签到成功", "minutes": "纪要已保存"}.get(done, "")
    return await _session_page(request, user, session, session_id, flash=flash)


@router.post("/sessions/{session_id}/checkin", dependencies=[CsrfChecked])
async def session_check_in(request: Request, session_id: int, user: ConsoleUser, session: SessionDep,
                           settings: SettingsDep, now: NowDep):
    sess = await get_or_404(session, SeriesSession, session_id)
    if not await series_service.is_participant(session, sess=sess, user_id=user.id):
        return await _session_page(request, user, session, session_id, status_code=403,
                                   errors={"checkin": "你不是本次活动的参与者"})
    try:
        await series_service.check_in(session, sess=sess, user=user, now=now, tz=settings.tz)
    except DomainError as exc:
        return await _session_page(request, user, session, session_id, status_code=409,
                                   errors={"checkin": exc.detail})
    await session.commit()
    return RedirectResponse(f"/console/sessions/{session_id}?done=checkin", status_code=303)


@router.post("/sessions/{session_id}/minutes", dependencies=[CsrfChecked])
async def session_minutes(request: Request, session_id: int, user: ConsoleUser, session: SessionDep, now: NowDep,
                          content: Annotated[str, Form()] = "", links: Annotated[str, Form()] = ""):
    sess = await get_or_404(session, SeriesSession, session_id)
    series = await get_or_404(session, Series, sess.series_id)
    values = {"content": content, "links": links}
    if not await series_service.can_write_minutes(session, user, series, sess):
        return await _session_page(request, user, session, session_id, status_code=403, values=values,
                                   errors={"content": "仅承办学校的记录人、组织者或教研员可以提交纪要"})
    if not content.strip():
        return await _session_page(request, user, session, session_id, status_code=422, values=values,
                                   errors={"content": "请填写纪要内容"})
    data = MinutesIn(content=content, links=[line.strip() for line in links.splitlines() if line.strip()])
    await series_service.put_minutes(session, sess=sess, data=data, user=user, now=now)
    await session.commit()
    return RedirectResponse(f"/console/sessions/{session_id}?done=minutes", status_code=303)
