"""Touring lessons in the console: staff's tour calendar (every stop with its checklist, check-ins,
feedback and recording), a stop's page (the presenter's checklist and recording link, check-in) and
the host school's feedback form, where the notices' links lead."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from actions.context import Context
from actions.tours import actions as tour_actions
from console.auth import ConsoleContext, CsrfChecked
from console.forms import errors_of
from console.render import page
from contracts.errors import DomainError
from contracts.limits import Id
from contracts.tours.api import ChecklistIn, FeedbackIn, RecordingIn

router = APIRouter()

DONE = {"checkin": "签到成功", "checklist": "准备清单已保存", "recording": "录像链接已保存", "feedback": "反馈表已提交"}
CALENDAR_BEFORE, CALENDAR_AFTER = timedelta(days=30), timedelta(days=365)


@router.get("/tours")
async def tour_calendar(request: Request, ctx: ConsoleContext):
    """Staff: every tour's stops from a month ago to a year ahead."""
    stops = await tour_actions.calendar(ctx, start=ctx.now - CALENDAR_BEFORE, end=ctx.now + CALENDAR_AFTER)
    tours = {tour.id: tour for tour in await tour_actions.list_tours(ctx)}
    return page(request, "tours.html", ctx.user, stops=stops, tours=tours)


async def _stop_page(request: Request, ctx: Context, stop_id: int, *, template: str = "tour_stop.html",
                     status_code: int = 200, flash: str = "", errors: dict | None = None, values: dict | None = None):
    view = await tour_actions.stop_view(ctx, stop_id=stop_id)
    return page(request, template, ctx.user, status_code=status_code, flash=flash, errors=errors or {},
                values=values or {}, view=view, detail=view.detail)


@router.get("/tour-stops/{stop_id}")
async def stop_page(request: Request, stop_id: Id, ctx: ConsoleContext, done: str = ""):
    return await _stop_page(request, ctx, stop_id, flash=DONE.get(done, ""))


@router.get("/tour-stops/{stop_id}/feedback")
async def feedback_form(request: Request, stop_id: Id, ctx: ConsoleContext):
    return await _stop_page(request, ctx, stop_id, template="tour_feedback.html")


async def _act(request: Request, ctx: Context, stop_id: int, done: str, act, *, field: str, values: dict | None = None,
               template: str = "tour_stop.html"):
    try:
        await act()
    except (ValidationError, DomainError) as exc:
        status_code, errors = errors_of(exc, field=field)
        return await _stop_page(request, ctx, stop_id, template=template, status_code=status_code, errors=errors,
                                values=values)
    return RedirectResponse(f"/console/tour-stops/{stop_id}?done={done}", status_code=303)


@router.post("/tour-stops/{stop_id}/checklist", dependencies=[CsrfChecked], summary="更新送教准备清单")
async def tick_checklist(request: Request, stop_id: Id, ctx: ConsoleContext,
                         ticked: Annotated[list[str], Form()] = []):  # noqa: B006 - FastAPI reads the default
    async def act():
        await tour_actions.tick_checklist(ctx, stop_id=stop_id, data=ChecklistIn(ticked=ticked))
    return await _act(request, ctx, stop_id, "checklist", act, field="ticked")


@router.post("/tour-stops/{stop_id}/recording", dependencies=[CsrfChecked], summary="提交送教录像链接")
async def set_recording(request: Request, stop_id: Id, ctx: ConsoleContext, link: Annotated[str, Form()] = ""):
    async def act():
        await tour_actions.set_recording(ctx, stop_id=stop_id, data=RecordingIn(link=link))
    return await _act(request, ctx, stop_id, "recording", act, field="link", values={"link": link})


@router.post("/tour-stops/{stop_id}/checkin", dependencies=[CsrfChecked], summary="送教签到")
async def check_in(request: Request, stop_id: Id, ctx: ConsoleContext):
    async def act():
        await tour_actions.check_in(ctx, stop_id=stop_id)
    return await _act(request, ctx, stop_id, "checkin", act, field="checkin")


@router.post("/tour-stops/{stop_id}/feedback", dependencies=[CsrfChecked], summary="填写送教反馈表")
async def give_feedback(request: Request, stop_id: Id, ctx: ConsoleContext, rating: Annotated[str, Form()] = "",
                        strengths: Annotated[str, Form()] = "", suggestions: Annotated[str, Form()] = ""):
    values = {"rating": rating, "strengths": strengths, "suggestions": suggestions}

    async def act():
        await tour_actions.give_feedback(ctx, stop_id=stop_id, data=FeedbackIn(**values))
    return await _act(request, ctx, stop_id, "feedback", act, field="rating", values=values,
                      template="tour_feedback.html")
