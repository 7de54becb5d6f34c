"""Weekly joint sessions in the console: the term calendar with attendance, a session's page
with check-in for participants and the minutes form for the host's recorder."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from actions.context import Context
from actions.series import actions as series_actions
from console.auth import ConsoleContext, CsrfChecked
from console.forms import errors_of, lines
from console.render import page
from contracts.errors import DomainError
from contracts.limits import Id
from contracts.series.api import MinutesIn

router = APIRouter()

DONE = {"checkin": "签到成功", "minutes": "纪要已保存"}


@router.get("/series")
async def series_list(request: Request, ctx: ConsoleContext):
    return page(request, "series_list.html", ctx.user, items=await series_actions.list_series(ctx))


@router.get("/series/{series_id}")
async def series_calendar(request: Request, series_id: Id, ctx: ConsoleContext):
    detail = await series_actions.read_series(ctx, series_id=series_id)
    return page(request, "series.html", ctx.user, series=detail, sessions=[*detail.past, *detail.upcoming],
                attendance=series_actions.attendance_chart(detail))


async def _session_page(request: Request, ctx: Context, session_id: int, *, status_code: int = 200,
                        flash: str = "", errors: dict | None = None, values: dict | None = None):
    view = await series_actions.session_view(ctx, session_id=session_id)
    return page(
        request, "session.html", ctx.user, status_code=status_code, flash=flash, errors=errors or {},
        values=values or {}, series=view.series, detail=view.detail, participant=view.participant,
        checked_in=view.checked_in, recorder=view.can_write_minutes,
    )


@router.get("/sessions/{session_id}")
async def session_page(request: Request, session_id: Id, ctx: ConsoleContext, done: str = ""):
    return await _session_page(request, ctx, session_id, flash=DONE.get(done, ""))


@router.post("/sessions/{session_id}/checkin", dependencies=[CsrfChecked], summary="活动签到")
async def session_check_in(request: Request, session_id: Id, ctx: ConsoleContext):
    try:
        await series_actions.check_in(ctx, session_id=session_id)
    except DomainError as exc:
        status_code, errors = errors_of(exc, field="checkin")
        return await _session_page(request, ctx, session_id, status_code=status_code, errors=errors)
    return RedirectResponse(f"/console/sessions/{session_id}?done=checkin", status_code=303)


@router.post("/sessions/{session_id}/minutes", dependencies=[CsrfChecked], summary="提交纪要")
async def session_minutes(request: Request, session_id: Id, ctx: ConsoleContext,
                          content: Annotated[str, Form()] = "", links: Annotated[str, Form()] = ""):
    values = {"content": content, "links": links}
    try:
        data = MinutesIn(content=content, links=lines(links))
        await series_actions.put_minutes(ctx, session_id=session_id, data=data)
    except (ValidationError, DomainError) as exc:
        status_code, errors = errors_of(exc, field="content")
        return await _session_page(request, ctx, session_id, status_code=status_code, errors=errors, values=values)
    return RedirectResponse(f"/console/sessions/{session_id}?done=minutes", status_code=303)
