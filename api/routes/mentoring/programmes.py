"""Mentor pair programmes (青蓝工程): one per alliance and school year, its staff board, its pairs
created one by one or imported from Excel."""

from fastapi import APIRouter, Request, UploadFile, status

from actions.mentoring import actions as mentoring_actions
from api.audit import set_audit_subject
from api.deps import ContextDep
from api.pending import RUN_PENDING_RESPONSE, created_or_pending
from contracts.directory.api import ImportRejected
from contracts.limits import Id
from contracts.mentoring.api import Board, PairIn, PairOut, PairsImportResult, ProgrammeIn, ProgrammeOut

router = APIRouter(prefix="/mentoring/programmes", tags=["mentoring"])


@router.post("", response_model=ProgrammeOut, status_code=status.HTTP_201_CREATED, summary="创建青蓝工程")
async def create_programme(request: Request, data: ProgrammeIn, ctx: ContextDep):
    """Staff, admin: the alliance's programme for a school year. Stage dates default to
    MENTORING_STAGE_DATES (mid-year and year-end), the monthly log quota to
    MENTORING_MONTHLY_LOG_QUOTA (0: none). 409 if the alliance has one for that year."""
    programme = await mentoring_actions.create_programme(ctx, data=data)
    set_audit_subject(request, "mentoring_programme", programme.id)
    return programme


@router.get("", response_model=list[ProgrammeOut])
async def list_programmes(ctx: ContextDep):
    """Staff, admin."""
    return await mentoring_actions.list_programmes(ctx)


@router.get("/{programme_id}/board", response_model=Board)
async def read_board(programme_id: Id, ctx: ContextDep):
    """Staff, admin, the alliance's lead school (its contact, the cluster's organiser): every pair,
    the pairs behind (logs under the quota last month, a stage form overdue) and the alliance's
    teachers in no pair."""
    return await mentoring_actions.read_board(ctx, programme_id=programme_id)


@router.post("/{programme_id}/pairs", response_model=PairOut, status_code=status.HTTP_201_CREATED,
             responses=RUN_PENDING_RESPONSE, summary="创建师徒结对")
async def create_pair(request: Request, programme_id: Id, data: PairIn, ctx: ContextDep):
    """Staff, admin: two teachers of the alliance; the pair's run starts (201; with Temporal
    unreachable 202: stored, its run starts when Temporal is back)."""
    created = await mentoring_actions.create_pair(ctx, programme_id=programme_id, data=data)
    set_audit_subject(request, "mentoring_pair", created.id)
    return created_or_pending(created)


@router.post("/{programme_id}/pairs/import", response_model=PairsImportResult,
             responses={422: {"model": ImportRejected, "description": "nothing imported"}}, summary="导入师徒结对名单")
async def import_pairs(programme_id: Id, file: UploadFile, ctx: ContextDep):
    """Staff, admin: XLSX or CSV with 师傅工号, 徒弟工号, 学科 and optionally 开始日期, 结束日期,
    培养任务和目标. A pair is found by its mentee: the same file twice changes nothing. All or
    nothing: any bad row → 422 listing every one."""
    content = await file.read()  # at most MAX_IMPORT_BYTES: the body's size is capped before it is read
    return await mentoring_actions.import_pairs(ctx, programme_id=programme_id, content=content,
                                                filename=file.filename or "")
