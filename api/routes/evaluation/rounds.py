"""The alliance evaluation (教联体考评): rounds, the schools' review, entries, overrides, publishing,
the survey, the report. Decisions are stored first, then the round's run is nudged."""

from fastapi import APIRouter, Request, status
from fastapi.responses import Response

from actions.evaluation import actions as evaluation_actions
from api.audit import set_audit_subject
from api.deps import ContextDep
from api.pending import RUN_PENDING_RESPONSE, created_or_pending
from contracts.evaluation.api import (
    AnswerIn, EntryIn, OverrideIn, ReportFormat, ReviewIn, RoundDetail, RoundIn, RoundOut, SurveyIn, SurveyResults,
)
from contracts.limits import Id

router = APIRouter(prefix="/evaluation", tags=["evaluation"])
ROUND = "/rounds/{round_id}"


@router.post("/rounds", response_model=RoundOut, status_code=status.HTTP_201_CREATED,
             responses=RUN_PENDING_RESPONSE, summary="发起教联体考评")
async def create_round(request: Request, data: RoundIn, ctx: ContextDep):
    """Staff: open an alliance's (a cluster with a lead school) round for a term, with the current
    scheme; computed values are refreshed nightly until the term ends (201; 202 when Temporal is
    unreachable: stored, its run starts when Temporal is back)."""
    created = await evaluation_actions.create_round(ctx, data=data)
    set_audit_subject(request, "evaluation_round", created.id)
    return created_or_pending(created)


@router.get("/rounds", response_model=list[RoundOut])
async def list_rounds(ctx: ContextDep):
    """Staff, admin: every round; teachers: their alliance's."""
    return await evaluation_actions.list_rounds(ctx)


@router.get(ROUND, response_model=RoundDetail)
async def read_round(round_id: Id, ctx: ContextDep):
    """Staff, admin, the alliance's teachers: every value of the alliance and of each member school,
    its score, its change since the previous term and the records ("kind:id") behind it."""
    return await evaluation_actions.read_round(ctx, round_id=round_id)


@router.post(ROUND + "/schools/{school_id}/review", response_model=RoundDetail, summary="确认或异议考评数据")
async def review(round_id: Id, school_id: Id, data: ReviewIn, ctx: ContextDep):
    """The school's contact, admin, while the round is in review: confirm the school's values, or
    dispute them with a reason (staff are told)."""
    return await evaluation_actions.review(ctx, round_id=round_id, school_id=school_id, data=data)


@router.post(ROUND + "/schools/{school_id}/answer", response_model=RoundDetail, summary="答复考评异议")
async def answer_dispute(round_id: Id, school_id: Id, data: AnswerIn, ctx: ContextDep):
    """Staff, admin: answer the school's dispute (the school is told)."""
    return await evaluation_actions.answer_dispute(ctx, round_id=round_id, school_id=school_id, data=data)


@router.put(ROUND + "/values/{value_id}/entry", response_model=RoundDetail, summary="填报考评指标")
async def enter(round_id: Id, value_id: Id, data: EntryIn, ctx: ContextDep):
    """The school's contact, staff, admin, in review or scoring: an entered indicator's value and evidence."""
    return await evaluation_actions.enter(ctx, round_id=round_id, value_id=value_id, data=data)


@router.post(ROUND + "/values/{value_id}/override", response_model=RoundDetail, summary="调整考评得分")
async def override(round_id: Id, value_id: Id, data: OverrideIn, ctx: ContextDep):
    """Staff, admin, while scoring: replace a score; the reason is required (422 without)."""
    return await evaluation_actions.override(ctx, round_id=round_id, value_id=value_id, data=data)


@router.post(ROUND + "/publish", response_model=RoundDetail, summary="发布考评结果")
async def publish(round_id: Id, ctx: ContextDep):
    """Staff, admin, once every dispute is answered: freeze the round (its figures and the records
    behind them never change again) and tell the schools."""
    return await evaluation_actions.publish(ctx, round_id=round_id)


@router.post(ROUND + "/survey", status_code=status.HTTP_204_NO_CONTENT, summary="填写合作满意度问卷")
async def answer_survey(round_id: Id, data: SurveyIn, ctx: ContextDep):
    """Whoever the survey was sent to (the alliance's teachers and school contacts), once, while the
    round is in review. Nothing that names the author is stored with the answer."""
    await evaluation_actions.answer_survey(ctx, round_id=round_id, data=data)


@router.get(ROUND + "/survey", response_model=SurveyResults)
async def survey_results(round_id: Id, ctx: ContextDep):
    """Staff, admin: invited, answered, response rate, means and comments (in text order), never by person."""
    return await evaluation_actions.survey_results(ctx, round_id=round_id)


@router.get(ROUND + "/report", response_class=Response,
            responses={200: {"content": {"text/html": {}, "application/pdf": {}, "application/vnd.openxmlformats-"
                                         "officedocument.spreadsheetml.sheet": {}}}})
async def round_report(round_id: Id, ctx: ContextDep, format: ReportFormat = ReportFormat.html):  # noqa: A002
    """Staff, admin, the alliance's teachers: the round's report with its charts; HTML links each
    score to its records, PDF footnotes them, XLSX lists every figure and record."""
    body, media_type = await evaluation_actions.round_report(ctx, round_id=round_id, form=format)
    return Response(body, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="evaluation-{round_id}.{format}"'} if format != "html" else {})
