"""Teacher exchanges (交流轮岗): agreements, their Excel import, actual dates, the return report,
the staff's postponement and assessment, and each alliance's live quotas."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, UploadFile, status

from actions.exchanges import actions as exchange_actions
from api.audit import set_audit_subject
from api.deps import ContextDep
from api.pending import RUN_PENDING_RESPONSE, created_or_pending
from contracts.directory.api import ImportRejected
from contracts.exchanges.api import (
    ActualDatesIn, AllianceQuota, AssessIn, CancelIn, ExchangeImportResult, ExchangeIn, ExchangeOut, PostponeIn,
    ReportIn,
)
from contracts.limits import Id

router = APIRouter(tags=["exchanges"])


@router.post("/exchanges", response_model=ExchangeOut, status_code=status.HTTP_201_CREATED,
             responses=RUN_PENDING_RESPONSE, summary="安排交流轮岗")
async def create_exchange(request: Request, data: ExchangeIn, ctx: ContextDep):
    """Staff, admin: an exchange agreement (teacher, host school, kind, planned dates, duties,
    selection criteria, assessment mechanism); its run starts (202 if Temporal is unreachable)."""
    created = await exchange_actions.create_exchange(ctx, data=data)
    set_audit_subject(request, "exchange", created.id)
    return created_or_pending(created)


@router.get("/exchanges", response_model=list[ExchangeOut])
async def list_exchanges(ctx: ContextDep, live: bool = False):
    """Staff, admin: every exchange by planned start (`live=true`: those not assessed or cancelled)."""
    return await exchange_actions.list_exchanges(ctx, live_only=live)


@router.post("/exchanges/import", response_model=ExchangeImportResult,
             responses={422: {"model": ImportRejected, "description": "nothing imported"}}, summary="导入交流轮岗安排")
async def import_exchanges(file: UploadFile, ctx: ContextDep):
    """Staff, admin: an XLSX or CSV with the columns 工号, 交流学校, 交流类型, 计划开始, 计划结束,
    每周驻校日, 工作职责, 选拔标准, 考核评价机制. All or nothing: any bad row → 422 listing every one;
    the same file twice changes nothing."""
    content = await file.read()  # at most MAX_BODY_BYTES: the body's size is capped before it is read
    return await exchange_actions.import_exchanges(ctx, content=content, filename=file.filename or "")


@router.get("/exchanges/quotas", response_model=list[AllianceQuota])
async def exchange_quotas(ctx: ContextDep, year: Annotated[int | None, Query(ge=2000, le=2199)] = None,
                          cluster_id: Id | None = None):
    """Staff, admin: each alliance's quotas for the school year beginning in `year` (default: the
    current one), counted from actual dates and projected to the year's end."""
    return await exchange_actions.quotas_now(ctx, year=year, cluster_id=cluster_id)


@router.get("/me/exchanges", response_model=list[ExchangeOut])
async def my_exchanges(ctx: ContextDep):
    """Anyone: my exchanges as a teacher (none for staff)."""
    return await exchange_actions.my_exchanges(ctx)


@router.get("/exchanges/{exchange_id}", response_model=ExchangeOut)
async def read_exchange(exchange_id: Id, ctx: ContextDep):
    """Staff, admin, the exchanged teacher, the contacts of her two schools."""
    return await exchange_actions.read_exchange(ctx, exchange_id=exchange_id)


@router.post("/exchanges/{exchange_id}/actual-dates", response_model=ExchangeOut, summary="登记实际交流日期")
async def set_actual_dates(exchange_id: Id, data: ActualDatesIn, ctx: ContextDep):
    """Staff, admin, both schools' contacts: the day the exchange really began, and the first day
    back; only days that have passed. The quotas count these alone."""
    return await exchange_actions.set_actual_dates(ctx, exchange_id=exchange_id, data=data)


@router.put("/exchanges/{exchange_id}/report", response_model=ExchangeOut, summary="提交交流总结")
async def submit_report(exchange_id: Id, data: ReportIn, ctx: ContextDep):
    """The exchanged teacher, once back (409 naming the status before): her return report."""
    return await exchange_actions.submit_report(ctx, exchange_id=exchange_id, data=data)


@router.post("/exchanges/{exchange_id}/postpone", response_model=ExchangeOut, summary="推迟交流")
async def postpone(exchange_id: Id, data: PostponeIn, ctx: ContextDep):
    """Staff, admin, before it begins (else 409): a later start (the end moves as far unless given);
    the notices and reminders move with it."""
    return await exchange_actions.postpone(ctx, exchange_id=exchange_id, data=data)


@router.post("/exchanges/{exchange_id}/cancel", response_model=ExchangeOut, summary="取消交流")
async def cancel(exchange_id: Id, data: CancelIn, ctx: ContextDep):
    """Staff, admin, before it is over (else 409): call it off with a reason; the teacher and both
    schools are told, its reminders stop, and it no longer counts towards the quotas."""
    return await exchange_actions.cancel(ctx, exchange_id=exchange_id, data=data)


@router.post("/exchanges/{exchange_id}/assessment", response_model=ExchangeOut, summary="考核交流教师")
async def assess(exchange_id: Id, data: AssessIn, ctx: ContextDep):
    """Staff, admin, once the report is in (else 409): 教学成果, 对当地教师的带动作用, 与同事的合作交流,
    and a reward or advice to improve; the teacher is told."""
    return await exchange_actions.assess(ctx, exchange_id=exchange_id, data=data)
