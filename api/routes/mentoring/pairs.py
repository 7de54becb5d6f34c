"""One mentor pair: what the two teachers log and confirm, their stage forms and improvement
plans (to the database), staff's verdicts and changes (Updates of the pair's run), the certificate."""

from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import Response

from actions.mentoring import actions as mentoring_actions
from api.deps import ContextDep
from contracts.limits import Id
from contracts.mentoring.api import (
    EndIn, ExtendIn, ImprovementPlanIn, LogIn, LogOut, PairDetail, ReplaceMentorIn, StageFormIn, StageFormOut,
    VerdictIn,
)

router = APIRouter(tags=["mentoring"])
PAIR = "/mentoring/pairs/{pair_id}"
PDF_RESPONSE = {200: {"content": {"application/pdf": {}}, "description": "the certificate"}}


@router.get("/me/mentoring-pairs", response_model=list[PairDetail])
async def my_pairs(ctx: ContextDep):
    """Anyone: the pairs she is a teacher of (mentor or mentee); none for staff."""
    return await mentoring_actions.my_pairs(ctx)


@router.get(PAIR, response_model=PairDetail)
async def read_pair(pair_id: Id, ctx: ContextDep):
    """The pair's two teachers, their school contacts, the alliance's lead school, staff: the pair,
    its stages with forms and verdicts, its logs."""
    return await mentoring_actions.read_pair(ctx, pair_id=pair_id)


@router.post(PAIR + "/logs", response_model=LogOut, status_code=201, summary="记录师徒活动")
async def add_log(pair_id: Id, data: LogIn, ctx: ContextDep):
    """The pair's teachers: 听课, 评课, 示范课, 集体备课 or 指导, when, a short note."""
    return await mentoring_actions.add_log(ctx, pair_id=pair_id, data=data)


@router.post("/mentoring/logs/{log_id}/confirm", response_model=LogOut, summary="确认师徒活动记录")
async def confirm_log(log_id: Id, ctx: ContextDep):
    """The pair's teacher who did not write the log."""
    return await mentoring_actions.confirm_log(ctx, log_id=log_id)


@router.put(PAIR + "/stages/{stage}/form", response_model=StageFormOut, summary="提交阶段考评表")
async def put_stage_form(pair_id: Id, stage: Id, data: StageFormIn, ctx: ContextDep):
    """Each of the pair's teachers, her own form, while the stage is open (else 409 naming the
    current stage)."""
    return await mentoring_actions.put_stage_form(ctx, pair_id=pair_id, stage=stage, data=data)


@router.put(PAIR + "/stages/{stage}/improvement-plan", response_model=PairDetail, summary="提交改进计划")
async def put_improvement_plan(pair_id: Id, stage: Id, data: ImprovementPlanIn, ctx: ContextDep):
    """The pair's teachers, after a verdict other than 合格; staff then assess the stage again."""
    await mentoring_actions.put_improvement_plan(ctx, pair_id=pair_id, stage=stage, data=data)
    return await mentoring_actions.read_pair(ctx, pair_id=pair_id)


@router.post(PAIR + "/stages/{stage}/verdict", response_model=PairDetail, summary="阶段考评")
async def decide_stage(pair_id: Id, stage: Id, data: VerdictIn, ctx: ContextDep):
    """Staff, admin: 合格 opens the next stage (the last completes the pair, with its certificate);
    待改进 / 不合格 ask for an improvement plan. 409 while a form is missing."""
    return await mentoring_actions.decide_stage(ctx, pair_id=pair_id, stage=stage, data=data)


@router.post(PAIR + "/mentor", response_model=PairDetail, summary="更换师傅")
async def replace_mentor(pair_id: Id, data: ReplaceMentorIn, ctx: ContextDep):
    """Staff, admin: another teacher of the alliance mentors from now on."""
    return await mentoring_actions.replace_mentor(ctx, pair_id=pair_id, data=data)


@router.post(PAIR + "/extend", response_model=PairDetail, summary="结对延期")
async def extend_pair(pair_id: Id, data: ExtendIn, ctx: ContextDep):
    """Staff, admin: a later end; the last assessment moves with it."""
    return await mentoring_actions.extend_pair(ctx, pair_id=pair_id, data=data)


@router.post(PAIR + "/end", response_model=PairDetail, summary="提前结束结对")
async def end_pair(pair_id: Id, data: EndIn, ctx: ContextDep):
    """Staff, admin: end the pair early; its reminders stop and both teachers and their schools hear so."""
    return await mentoring_actions.end_pair(ctx, pair_id=pair_id, data=data)


@router.get(PAIR + "/certificate.pdf", response_class=Response, responses=PDF_RESPONSE)
async def certificate_pdf(pair_id: Id, ctx: ContextDep):
    """Those who read the pair, once it is completed (else 409)."""
    body = await mentoring_actions.certificate_pdf(ctx, pair_id=pair_id)
    filename = quote(f"结对证书-{pair_id}.pdf")
    return Response(body, media_type="application/pdf",
                    headers={"Content-Disposition": f"inline; filename*=UTF-8''{filename}"})
