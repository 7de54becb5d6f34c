"""A teacher's own page: what she has to do and by when, her campaigns, her unread notices; and
delivering a task (summary and links)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy import func, select

from api.clock import NowDep
from api.deps import SessionDep
from console.auth import ConsoleUser, CsrfChecked
from console.forms import errors_of, lines
from console.render import page
from contracts.campaigns import DeliveryIn
from models import Campaign, InboxItem
from services import campaign_actions, campaigns
from contracts.errors import DomainError

router = APIRouter()


async def _tasks(session, user_id: int):
    tasks = await campaigns.open_tasks(session, user_id=user_id)
    titles = dict((await session.execute(select(Campaign.id, Campaign.title).where(
        Campaign.id.in_({t.campaign_id for t in tasks})))).all())
    return tasks, titles


@router.get("/me")
async def me(request: Request, user: ConsoleUser, session: SessionDep):
    tasks, titles = await _tasks(session, user.id)
    mine = campaigns.campaigns_query(status="running", phase=None, subject=None, cluster_id=None,
                                     member_user_id=user.id)
    unread = await session.scalar(
        select(func.count()).where(InboxItem.user_id == user.id, InboxItem.read_at.is_(None)))
    return page(request, "me.html", user, tasks=tasks, titles=titles, unread=unread,
                campaigns=(await session.scalars(mine)).all())


async def _tasks_page(request: Request, user, session, *, status_code: int = 200, flash: str = "",
                      failed: int | None = None, errors: dict | None = None, values: dict | None = None):
    tasks, titles = await _tasks(session, user.id)
    return page(request, "tasks.html", user, status_code=status_code, flash=flash, tasks=tasks, titles=titles,
                failed=failed, errors=errors or {}, values=values or {})


@router.get("/me/tasks")
async def my_tasks(request: Request, user: ConsoleUser, session: SessionDep, done: str = ""):
    return await _tasks_page(request, user, session, flash="成果已提交" if done == "deliver" else "")


@router.post("/tasks/{task_id}/deliver", dependencies=[CsrfChecked])
async def deliver(request: Request, task_id: int, user: ConsoleUser, session: SessionDep, now: NowDep,
                  summary: Annotated[str, Form()] = "", links: Annotated[str, Form()] = ""):
    values = {"summary": summary, "links": links}
    try:
        data = DeliveryIn(summary=summary, links=lines(links))
        await campaign_actions.deliver_task(session, task_id=task_id, user=user, data=data, now=now)
    except (ValidationError, DomainError) as exc:
        status_code, errors = errors_of(exc)
        return await _tasks_page(request, user, session, status_code=status_code, failed=task_id, errors=errors,
                                 values=values)
    await session.commit()
    return RedirectResponse("/console/me/tasks?done=deliver", status_code=303)
