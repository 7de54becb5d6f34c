"""Teacher exchanges (交流轮岗) in the console: the staff board (quota bars, who is away now,
reports due) and an exchange's page, where its teacher writes her return report (the notices'
links lead straight there) and staff assess it."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from actions.context import Context
from actions.exchanges import actions as exchange_actions
from actions.exchanges import pages as exchange_pages
from console.auth import ConsoleContext, CsrfChecked
from console.forms import errors_of
from console.render import page
from contracts.errors import DomainError
from contracts.exchanges.api import ActualDatesIn, AssessIn, PostponeIn, ReportIn
from contracts.limits import Id

router = APIRouter()

DONE = {"report": "交流总结已提交", "assessment": "考核已记录，已通知交流教师", "dates": "实际日期已登记",
        "postpone": "已推迟，相关人员已收到通知"}
RATINGS = [(rating, rating) for rating in ("优秀", "良好", "合格", "待改进")]
OUTCOMES = [("reward", "给予奖励"), ("improve", "提出改进建议")]


@router.get("/exchanges")
async def exchange_board(request: Request, ctx: ConsoleContext, cluster_id: Id | None = None):
    board = await exchange_pages.board(ctx, cluster_id=cluster_id)
    return page(request, "exchanges_board.html", ctx.user, board=board)


@router.get("/me/exchanges")
async def my_exchanges(request: Request, ctx: ConsoleContext):
    items = await exchange_actions.my_exchanges(ctx)
    if len(items) == 1:
        return RedirectResponse(f"/console/exchanges/{items[0].id}", status_code=303)
    return page(request, "my_exchanges.html", ctx.user, items=items)


async def _exchange_page(request: Request, ctx: Context, exchange_id: int, *, status_code: int = 200,
                         flash: str = "", errors: dict | None = None, values: dict | None = None):
    view = await exchange_pages.exchange_page(ctx, exchange_id=exchange_id)
    return page(request, "exchange.html", ctx.user, status_code=status_code, flash=flash, errors=errors or {},
                values=values or {}, view=view, ratings=RATINGS, outcomes=OUTCOMES)


@router.get("/exchanges/{exchange_id}")
async def exchange_page(request: Request, exchange_id: Id, ctx: ConsoleContext, done: str = ""):
    return await _exchange_page(request, ctx, exchange_id, flash=DONE.get(done, ""))


@router.post("/exchanges/{exchange_id}/report", dependencies=[CsrfChecked], summary="提交交流总结")
async def submit_report(request: Request, exchange_id: Id, ctx: ConsoleContext,
                        content: Annotated[str, Form()] = ""):
    try:
        await exchange_actions.submit_report(ctx, exchange_id=exchange_id, data=ReportIn(content=content))
    except (ValidationError, DomainError) as exc:
        status_code, errors = errors_of(exc, field="content")
        return await _exchange_page(request, ctx, exchange_id, status_code=status_code, errors=errors,
                                    values={"content": content})
    return RedirectResponse(f"/console/exchanges/{exchange_id}?done=report", status_code=303)


@router.post("/exchanges/{exchange_id}/assessment", dependencies=[CsrfChecked], summary="考核交流教师")
async def assess(request: Request, exchange_id: Id, ctx: ConsoleContext,
                 teaching_results: Annotated[str, Form()] = "", local_influence: Annotated[str, Form()] = "",
                 collaboration: Annotated[str, Form()] = "", outcome: Annotated[str, Form()] = "",
                 comment: Annotated[str, Form()] = ""):
    values = {"teaching_results": teaching_results, "local_influence": local_influence,
              "collaboration": collaboration, "outcome": outcome, "comment": comment}
    try:
        await exchange_actions.assess(ctx, exchange_id=exchange_id, data=AssessIn(**values))
    except (ValidationError, DomainError) as exc:
        status_code, errors = errors_of(exc, field="comment")
        return await _exchange_page(request, ctx, exchange_id, status_code=status_code, errors=errors, values=values)
    return RedirectResponse(f"/console/exchanges/{exchange_id}?done=assessment", status_code=303)


@router.post("/exchanges/{exchange_id}/actual-dates", dependencies=[CsrfChecked], summary="登记实际交流日期")
async def set_actual_dates(request: Request, exchange_id: Id, ctx: ConsoleContext,
                           actual_start: Annotated[str, Form()] = "", actual_end: Annotated[str, Form()] = ""):
    values = {"actual_start": actual_start, "actual_end": actual_end}
    try:
        data = ActualDatesIn(actual_start=actual_start or None, actual_end=actual_end or None)
        await exchange_actions.set_actual_dates(ctx, exchange_id=exchange_id, data=data)
    except (ValidationError, DomainError) as exc:
        status_code, errors = errors_of(exc, field="actual_start")
        return await _exchange_page(request, ctx, exchange_id, status_code=status_code, errors=errors, values=values)
    return RedirectResponse(f"/console/exchanges/{exchange_id}?done=dates", status_code=303)


@router.post("/exchanges/{exchange_id}/postpone", dependencies=[CsrfChecked], summary="推迟交流")
async def postpone(request: Request, exchange_id: Id, ctx: ConsoleContext,
                   new_start: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = ""):
    values = {"new_start": new_start, "reason": reason}
    try:
        await exchange_actions.postpone(ctx, exchange_id=exchange_id,
                                        data=PostponeIn(new_start=new_start, reason=reason))
    except (ValidationError, DomainError) as exc:
        status_code, errors = errors_of(exc, field="new_start")
        return await _exchange_page(request, ctx, exchange_id, status_code=status_code, errors=errors, values=values)
    return RedirectResponse(f"/console/exchanges/{exchange_id}?done=postpone", status_code=303)
