"""A teacher's campaign tasks and delivering one (summary and links); her home page, with every
programme's to-dos, is console/home.py."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from actions.campaigns import pages as campaign_pages
from actions.campaigns import actions as campaigns
from console.auth import ConsoleContext, CsrfChecked
from console.forms import errors_of, lines
from console.render import page
from contracts.campaigns.api import DeliveryIn
from contracts.errors import DomainError
from contracts.limits import Id

router = APIRouter()


async def _tasks_page(request: Request, ctx, *, status_code: int = 200, flash: str = "", failed: int | None = None,
                      errors: dict | None = None, values: dict | None = None):
    work = await campaign_pages.my_work(ctx)
    return page(request, "tasks.html", ctx.user, status_code=status_code, flash=flash, tasks=work.tasks,
                titles=work.titles, failed=failed, errors=errors or {}, values=values or {})


@router.get("/me/tasks")
async def my_tasks(request: Request, ctx: ConsoleContext, done: str = ""):
    return await _tasks_page(request, ctx, flash="成果已提交" if done == "deliver" else "")


@router.post("/tasks/{task_id}/deliver", dependencies=[CsrfChecked], summary="提交任务成果")
async def deliver(request: Request, task_id: Id, ctx: ConsoleContext, summary: Annotated[str, Form()] = "",
                  links: Annotated[str, Form()] = ""):
    try:
        data = DeliveryIn(summary=summary, links=lines(links))
        await campaigns.deliver_task(ctx, task_id=task_id, data=data)
    except (ValidationError, DomainError) as exc:
        status_code, errors = errors_of(exc)
        return await _tasks_page(request, ctx, status_code=status_code, failed=task_id, errors=errors,
                                 values={"summary": summary, "links": links})
    return RedirectResponse("/console/me/tasks?done=deliver", status_code=303)
