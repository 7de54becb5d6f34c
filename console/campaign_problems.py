"""Problem collection in the console: a teacher in scope submits problems and votes on others'."""

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from api.deps import SessionDep
from console.auth import ConsoleUser, CsrfChecked
from console.campaigns import DONE, problem_list
from console.forms import errors_of
from console.render import page
from contracts.campaigns import Phase, PhaseStep, ProblemIn
from contracts.directory import Role
from services import campaign_actions, campaigns
from contracts.errors import DomainError

router = APIRouter()


def _problems_url(campaign_id: int, done: str) -> str:
    return f"/console/campaigns/{campaign_id}/problems?done={done}"


async def _form(request: Request, user, session, campaign_id: int, *, status_code: int = 200,
                errors: dict | None = None, values: dict | None = None):
    await campaigns.require_member(session, campaign_id=campaign_id, user=user)
    campaign = await campaigns.get_campaign(session, campaign_id)
    return page(request, "problem_new.html", user, status_code=status_code, campaign=campaign,
                errors=errors or {}, values=values or {})


@router.get("/campaigns/{campaign_id}/problems/new")
async def problem_form(request: Request, campaign_id: int, user: ConsoleUser, session: SessionDep):
    return await _form(request, user, session, campaign_id)


@router.post("/campaigns/{campaign_id}/problems", dependencies=[CsrfChecked])
async def submit_problem(request: Request, campaign_id: int, user: ConsoleUser, session: SessionDep,
                         title: Annotated[str, Form()] = "", description: Annotated[str, Form()] = "",
                         grade: Annotated[str, Form()] = "", tags: Annotated[str, Form()] = ""):
    values = {"title": title, "description": description, "grade": grade, "tags": tags}
    try:
        member = await campaigns.require_member(session, campaign_id=campaign_id, user=user)
        data = ProblemIn(title=title, description=description, grade=grade,
                         tags=[t for t in re.split(r"[,，、\s]+", tags) if t])
        await campaigns.submit_problem(session, campaign_id=campaign_id, member=member, data=data)
    except (ValidationError, DomainError) as exc:
        status_code, errors = errors_of(exc)
        return await _form(request, user, session, campaign_id, status_code=status_code, errors=errors, values=values)
    await session.commit()
    return RedirectResponse(_problems_url(campaign_id, "problem"), status_code=303)


async def _list(request: Request, user, session, campaign_id: int, *, status_code: int = 200, flash: str = "",
                errors: dict | None = None):
    campaign = await campaigns.visible_campaign(session, campaign_id=campaign_id, user=user)
    listing = await problem_list(session, campaign_id, user.id)
    can_vote = (user.role == Role.teacher and campaign.phase == Phase.collect_topics
                and campaign.step == PhaseStep.open)
    return page(request, "problems.html", user, status_code=status_code, campaign=campaign, flash=flash,
                errors=errors or {}, can_vote=can_vote, **listing)


@router.get("/campaigns/{campaign_id}/problems")
async def problems(request: Request, campaign_id: int, user: ConsoleUser, session: SessionDep, done: str = ""):
    return await _list(request, user, session, campaign_id, flash=DONE.get(done, ""))


async def _ballot(request: Request, user, session, campaign_id: int, problem_id: int, action, done: str):
    try:
        await action(session, campaign_id=campaign_id, problem_id=problem_id, user=user)
    except DomainError as exc:
        status_code, errors = errors_of(exc, field=f"problem-{problem_id}")
        return await _list(request, user, session, campaign_id, status_code=status_code, errors=errors)
    await session.commit()
    return RedirectResponse(_problems_url(campaign_id, done), status_code=303)


@router.post("/campaigns/{campaign_id}/problems/{problem_id}/vote", dependencies=[CsrfChecked])
async def vote(request: Request, campaign_id: int, problem_id: int, user: ConsoleUser, session: SessionDep):
    return await _ballot(request, user, session, campaign_id, problem_id, campaign_actions.cast_vote, "vote")


@router.post("/campaigns/{campaign_id}/problems/{problem_id}/unvote", dependencies=[CsrfChecked])
async def unvote(request: Request, campaign_id: int, problem_id: int, user: ConsoleUser, session: SessionDep):
    return await _ballot(request, user, session, campaign_id, problem_id, campaign_actions.take_back_vote, "unvote")
