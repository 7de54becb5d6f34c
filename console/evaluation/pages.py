"""The alliance evaluation in the console: the rounds, a round's page (charts, both levels, the
records behind each score, review / entry / override / publish forms for whoever may), the survey
form a notice links to, and the report as HTML, PDF or XLSX."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from actions.context import Context
from actions.evaluation import actions as evaluation_actions
from console.auth import ConsoleContext, CsrfChecked
from console.forms import errors_of
from console.render import page
from contracts.errors import DomainError
from contracts.evaluation.api import REVIEW_LABELS, AnswerIn, EntryIn, OverrideIn, ReportFormat, ReviewIn, SurveyIn
from contracts.evaluation.scheme import DIMENSION_LABELS, Dimension
from contracts.limits import Id

router = APIRouter()
ROUND = "/evaluation/rounds/{round_id}"
DONE = {"review": "已提交确认", "answer": "异议已答复", "entry": "填报已保存", "override": "得分已调整",
        "publish": "考评结果已发布", "survey": "问卷已提交，谢谢"}


@router.get("/evaluation")
async def rounds(request: Request, ctx: ConsoleContext):
    return page(request, "evaluation_list.html", ctx.user, items=await evaluation_actions.list_rounds(ctx))


async def _round_page(request: Request, ctx: Context, round_id: int, *, status_code: int = 200, flash: str = "",
                      errors: dict | None = None):
    view = await evaluation_actions.round_page(ctx, round_id=round_id)
    return page(request, "evaluation_round.html", ctx.user, status_code=status_code, flash=flash,
                errors=errors or {}, view=view, r=view.report, dimensions=[(d, DIMENSION_LABELS[d]) for d in Dimension],
                dimension_labels=DIMENSION_LABELS, review_labels=REVIEW_LABELS)


@router.get(ROUND)
async def round_page(request: Request, round_id: Id, ctx: ConsoleContext, done: str = ""):
    return await _round_page(request, ctx, round_id, flash=DONE.get(done, ""))


async def _act(request: Request, ctx: Context, round_id: int, done: str, action) -> Response:
    """Run one action from a form; a refusal shows on the round's page beside what was refused."""
    try:
        await action()
    except (ValidationError, DomainError) as exc:
        status_code, errors = errors_of(exc, field=done)
        return await _round_page(request, ctx, round_id, status_code=status_code, errors=errors)
    return RedirectResponse(f"/console/evaluation/rounds/{round_id}?done={done}", status_code=303)


@router.post(ROUND + "/schools/{school_id}/review", dependencies=[CsrfChecked], summary="确认或异议考评数据")
async def review(request: Request, round_id: Id, school_id: Id, ctx: ConsoleContext,
                 decision: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = ""):
    return await _act(request, ctx, round_id, "review", lambda: evaluation_actions.review(
        ctx, round_id=round_id, school_id=school_id, data=ReviewIn(decision=decision, reason=reason)))


@router.post(ROUND + "/schools/{school_id}/answer", dependencies=[CsrfChecked], summary="答复考评异议")
async def answer(request: Request, round_id: Id, school_id: Id, ctx: ConsoleContext,
                 answer: Annotated[str, Form()] = ""):
    return await _act(request, ctx, round_id, "answer", lambda: evaluation_actions.answer_dispute(
        ctx, round_id=round_id, school_id=school_id, data=AnswerIn(answer=answer)))


@router.post(ROUND + "/values/{value_id}/entry", dependencies=[CsrfChecked], summary="填报考评指标")
async def entry(request: Request, round_id: Id, value_id: Id, ctx: ConsoleContext,
                value: Annotated[str, Form()] = "", evidence: Annotated[str, Form()] = ""):
    return await _act(request, ctx, round_id, "entry", lambda: evaluation_actions.enter(
        ctx, round_id=round_id, value_id=value_id, data=EntryIn(value=value, evidence=evidence)))


@router.post(ROUND + "/values/{value_id}/override", dependencies=[CsrfChecked], summary="调整考评得分")
async def override(request: Request, round_id: Id, value_id: Id, ctx: ConsoleContext,
                   score: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = ""):
    return await _act(request, ctx, round_id, "override", lambda: evaluation_actions.override(
        ctx, round_id=round_id, value_id=value_id, data=OverrideIn(score=score, reason=reason)))


@router.post(ROUND + "/publish", dependencies=[CsrfChecked], summary="发布考评结果")
async def publish(request: Request, round_id: Id, ctx: ConsoleContext):
    return await _act(request, ctx, round_id, "publish", lambda: evaluation_actions.publish(ctx, round_id=round_id))


@router.get(ROUND + "/survey")
async def survey_form(request: Request, round_id: Id, ctx: ConsoleContext):
    view = await evaluation_actions.round_page(ctx, round_id=round_id)
    return page(request, "evaluation_survey.html", ctx.user, r=view.report, invited=view.invited, errors={})


@router.post(ROUND + "/survey", dependencies=[CsrfChecked], summary="填写合作满意度问卷")
async def survey_answer(request: Request, round_id: Id, ctx: ConsoleContext,
                        partners: Annotated[str, Form()] = "", activities: Annotated[str, Form()] = "",
                        feedback: Annotated[str, Form()] = "", comment: Annotated[str, Form()] = ""):
    return await _act(request, ctx, round_id, "survey", lambda: evaluation_actions.answer_survey(
        ctx, round_id=round_id, data=SurveyIn(partners=partners, activities=activities, feedback=feedback,
                                              comment=comment)))


@router.get(ROUND + "/report")
async def report(round_id: Id, ctx: ConsoleContext, format: ReportFormat = ReportFormat.html):  # noqa: A002
    body, media_type = await evaluation_actions.round_report(ctx, round_id=round_id, form=format)
    return Response(body, media_type=media_type)
