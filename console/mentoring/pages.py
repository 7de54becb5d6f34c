"""Mentor pairs (青蓝工程) in the console: the staff board of a programme (pairs behind, teachers
without a mentor, a pair created in a form), a pair's page (log an activity, confirm the other
side's, fill the stage form, file an improvement plan; staff give the verdict or end it early),
and the certificate. Each form parses, calls one action and renders."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from actions.context import Context
from actions.mentoring import actions as mentoring_actions
from console.auth import ConsoleContext, CsrfChecked
from console.forms import errors_of
from console.render import page
from contracts.errors import DomainError
from contracts.limits import Id
from contracts.mentoring.api import (
    LOG_KIND_LABELS, EndIn, ExtendIn, ImprovementPlanIn, LogIn, PairIn, ReplaceMentorIn, StageFormIn, VerdictIn,
)
from contracts.mentoring.history import PAIR_STATUS_LABELS, SIDE_LABELS, VERDICT_LABELS

router = APIRouter()

DONE = {"log": "已记录，等待对方确认", "confirm": "已确认", "form": "考评表已提交", "plan": "改进计划已提交",
        "verdict": "考评结果已保存", "end": "结对已提前结束", "pair": "结对已创建", "mentor": "已更换师傅",
        "extend": "结对已延期"}
PAIR = "/mentoring/pairs/{pair_id}"


def _labels() -> dict:
    return {"log_kinds": LOG_KIND_LABELS, "sides": SIDE_LABELS, "verdicts": VERDICT_LABELS,
            "pair_status": PAIR_STATUS_LABELS}


@router.get("/mentoring")
async def mentoring_home(request: Request, ctx: ConsoleContext):
    """The programmes she may see the board of (staff, the lead school), and her pairs."""
    home = await mentoring_actions.home_page(ctx)
    return page(request, "mentoring_home.html", ctx.user, programmes=home.programmes, pairs=home.pairs, **_labels())


async def _board(request: Request, ctx: Context, programme_id: int, *, status_code: int = 200,
                 errors: dict | None = None, values: dict | None = None, flash: str = ""):
    view = await mentoring_actions.board_page(ctx, programme_id=programme_id)
    return page(request, "mentoring_board.html", ctx.user, status_code=status_code, board=view.board, flash=flash,
                teachers=[(t.id, f"{t.name}（{t.school}）") for t in view.choices], errors=errors or {},
                values=values or {}, **_labels())


@router.get("/mentoring/programmes/{programme_id}")
async def board_page(request: Request, programme_id: Id, ctx: ConsoleContext, done: str = ""):
    return await _board(request, ctx, programme_id, flash=DONE.get(done, ""))


@router.post("/mentoring/programmes/{programme_id}/pairs", dependencies=[CsrfChecked], summary="创建师徒结对")
async def create_pair(request: Request, programme_id: Id, ctx: ConsoleContext,
                      mentor_teacher_id: Annotated[str, Form()] = "", mentee_teacher_id: Annotated[str, Form()] = "",
                      subject: Annotated[str, Form()] = "", goals: Annotated[str, Form()] = ""):
    values = {"mentor_teacher_id": mentor_teacher_id, "mentee_teacher_id": mentee_teacher_id, "subject": subject,
              "goals": goals}
    try:
        await mentoring_actions.create_pair(ctx, programme_id=programme_id, data=PairIn(**values))
    except (ValidationError, DomainError) as exc:
        status_code, errors = errors_of(exc, field="subject")
        return await _board(request, ctx, programme_id, status_code=status_code, errors=errors, values=values)
    return RedirectResponse(f"/console/mentoring/programmes/{programme_id}?done=pair", status_code=303)


async def _pair(request: Request, ctx: Context, pair_id: int, *, status_code: int = 200, flash: str = "",
                errors: dict | None = None, values: dict | None = None, failed: str = ""):
    view = await mentoring_actions.pair_page(ctx, pair_id=pair_id)
    return page(request, "mentoring_pair.html", ctx.user, status_code=status_code, flash=flash, errors=errors or {},
                values=values or {}, failed=failed, pair=view.detail, side=view.side, staff=view.staff,
                mentors=[(t.id, f"{t.name}（{t.school}）") for t in view.mentors],
                today=ctx.now.astimezone(ctx.settings.tz).date().isoformat(), **_labels())


@router.get(PAIR)
async def pair_page(request: Request, pair_id: Id, ctx: ConsoleContext, done: str = ""):
    return await _pair(request, ctx, pair_id, flash=DONE.get(done, ""))


async def _submit(request: Request, ctx: Context, pair_id: int, *, form: str, values: dict, act, field: str):
    """Run one action of the pair's page: back to the page saying it is done, or the page with its errors."""
    try:
        await act()
    except (ValidationError, DomainError) as exc:
        status_code, errors = errors_of(exc, field=field)
        return await _pair(request, ctx, pair_id, status_code=status_code, errors=errors, values=values, failed=form)
    return RedirectResponse(f"/console/mentoring/pairs/{pair_id}?done={form}#{form}", status_code=303)


@router.post(PAIR + "/logs", dependencies=[CsrfChecked], summary="记录师徒活动")
async def add_log(request: Request, pair_id: Id, ctx: ConsoleContext, kind: Annotated[str, Form()] = "",
                  happened_on: Annotated[str, Form()] = "", note: Annotated[str, Form()] = ""):
    values = {"kind": kind, "happened_on": happened_on, "note": note}
    return await _submit(request, ctx, pair_id, form="log", values=values, field="note", act=lambda: (
        mentoring_actions.add_log(ctx, pair_id=pair_id, data=LogIn(**values))))


@router.post("/mentoring/logs/{log_id}/confirm", dependencies=[CsrfChecked], summary="确认师徒活动记录")
async def confirm_log(request: Request, log_id: Id, ctx: ConsoleContext):
    log = await mentoring_actions.confirm_log(ctx, log_id=log_id)
    return RedirectResponse(f"/console/mentoring/pairs/{log.pair_id}?done=confirm#logs", status_code=303)


@router.post(PAIR + "/form", dependencies=[CsrfChecked], summary="提交阶段考评表")
async def stage_form(request: Request, pair_id: Id, ctx: ConsoleContext, stage: Annotated[int, Form()] = 0,
                     summary: Annotated[str, Form()] = "", next_goals: Annotated[str, Form()] = ""):
    values = {"summary": summary, "next_goals": next_goals}
    return await _submit(request, ctx, pair_id, form="form", values=values, field="summary", act=lambda: (
        mentoring_actions.put_stage_form(ctx, pair_id=pair_id, stage=stage, data=StageFormIn(**values))))


@router.post(PAIR + "/plan", dependencies=[CsrfChecked], summary="提交改进计划")
async def improvement_plan(request: Request, pair_id: Id, ctx: ConsoleContext, stage: Annotated[int, Form()] = 0,
                           plan: Annotated[str, Form()] = ""):
    return await _submit(request, ctx, pair_id, form="plan", values={"plan": plan}, field="plan", act=lambda: (
        mentoring_actions.put_improvement_plan(ctx, pair_id=pair_id, stage=stage, data=ImprovementPlanIn(plan=plan))))


@router.post(PAIR + "/verdict", dependencies=[CsrfChecked], summary="阶段考评")
async def verdict(request: Request, pair_id: Id, ctx: ConsoleContext, stage: Annotated[int, Form()] = 0,
                  verdict: Annotated[str, Form()] = "", comment: Annotated[str, Form()] = ""):
    values = {"verdict": verdict, "comment": comment}
    return await _submit(request, ctx, pair_id, form="verdict", values=values, field="verdict", act=lambda: (
        mentoring_actions.decide_stage(ctx, pair_id=pair_id, stage=stage, data=VerdictIn(**values))))


@router.post(PAIR + "/end", dependencies=[CsrfChecked], summary="提前结束结对")
async def end(request: Request, pair_id: Id, ctx: ConsoleContext, reason: Annotated[str, Form()] = ""):
    return await _submit(request, ctx, pair_id, form="end", values={"reason": reason}, field="reason", act=lambda: (
        mentoring_actions.end_pair(ctx, pair_id=pair_id, data=EndIn(reason=reason))))


@router.post(PAIR + "/mentor", dependencies=[CsrfChecked], summary="更换师傅")
async def replace_mentor(request: Request, pair_id: Id, ctx: ConsoleContext,
                         mentor_teacher_id: Annotated[str, Form()] = "", mentor_reason: Annotated[str, Form()] = ""):
    values = {"mentor_teacher_id": mentor_teacher_id, "mentor_reason": mentor_reason}
    return await _submit(request, ctx, pair_id, form="mentor", values=values, field="mentor_teacher_id", act=lambda: (
        mentoring_actions.replace_mentor(ctx, pair_id=pair_id, data=ReplaceMentorIn(
            mentor_teacher_id=mentor_teacher_id, reason=mentor_reason))))


@router.post(PAIR + "/extend", dependencies=[CsrfChecked], summary="结对延期")
async def extend(request: Request, pair_id: Id, ctx: ConsoleContext, ends_on: Annotated[str, Form()] = "",
                 extend_reason: Annotated[str, Form()] = ""):
    values = {"ends_on": ends_on, "extend_reason": extend_reason}
    return await _submit(request, ctx, pair_id, form="extend", values=values, field="ends_on", act=lambda: (
        mentoring_actions.extend_pair(ctx, pair_id=pair_id, data=ExtendIn(ends_on=ends_on, reason=extend_reason))))


@router.get(PAIR + "/certificate")
async def certificate(request: Request, pair_id: Id, ctx: ConsoleContext):
    return page(request, "mentoring_certificate.html", ctx.user, pair_id=pair_id,
                certificate=await mentoring_actions.certificate(ctx, pair_id=pair_id))


@router.get(PAIR + "/certificate.pdf")
async def certificate_pdf(pair_id: Id, ctx: ConsoleContext):
    return Response(await mentoring_actions.certificate_pdf(ctx, pair_id=pair_id), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="certificate-{pair_id}.pdf"'})
