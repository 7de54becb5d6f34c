"""Problem collection in the console: a teacher in scope submits problems, edits or withdraws her
own while collection is open, and votes on others'. While she writes, the form shows the live
problems like hers (console/static/similar.js asks for them as she types; without script, the
look-up form above it does the same on a click), each with a button to second it (附议)."""

import re
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from actions.campaigns import pages as campaign_pages
from actions.campaigns import actions as campaigns
from console.auth import ConsoleContext, CsrfChecked
from console.campaigns.pages import DONE
from console.forms import errors_of
from console.render import page
from contracts.campaigns.api import ProblemIn, ProblemUpdate, SecondIn, SimilarText
from contracts.errors import DomainError
from contracts.limits import Id

router = APIRouter()


def _problems_url(campaign_id: int, done: str) -> str:
    return f"/console/campaigns/{campaign_id}/problems?done={done}"


def _tags(text: str) -> list[str]:
    return [t for t in re.split(r"[,，、\s]+", text) if t]


async def _form(request: Request, ctx, campaign_id: int, *, problem_id: int | None = None, status_code: int = 200,
                errors: dict | None = None, values: dict | None = None, similar: list | None = None):
    """The form to submit a problem (with the problems like `similar` found for it), or (with
    problem_id) to edit one's own."""
    campaign, problem = await campaign_pages.problem_form(ctx, campaign_id=campaign_id, problem_id=problem_id)
    if values is None and problem is not None:
        values = {"title": problem.title, "description": problem.description, "grade": problem.grade,
                  "tags": "，".join(problem.tags)}
    return page(request, "problem_new.html", ctx.user, status_code=status_code, campaign=campaign, problem=problem,
                errors=errors or {}, values=values or {}, similar=similar or [], campaign_id=campaign_id)


@router.get("/campaigns/{campaign_id}/problems/new")
async def problem_form(request: Request, campaign_id: Id, ctx: ConsoleContext, text: SimilarText | None = None):
    """With `text` (the look-up form, for browsers without script): the problems like it, and the
    text as the new problem's title to go on from."""
    if text is None:
        return await _form(request, ctx, campaign_id)
    similar = await campaigns.similar_problems(ctx, campaign_id=campaign_id, text=text)
    return await _form(request, ctx, campaign_id, values={"title": text[:200]}, similar=similar)


@router.get("/campaigns/{campaign_id}/problems/similar")
async def similar_problems(request: Request, campaign_id: Id, ctx: ConsoleContext, text: SimilarText):
    """The list alone, as the form shows it: what console/static/similar.js puts in place as she types."""
    similar = await campaigns.similar_problems(ctx, campaign_id=campaign_id, text=text)
    return page(request, "_similar.html", ctx.user, similar=similar, campaign_id=campaign_id)


def _submitted(title: str, description: str, grade: str, tags: str) -> dict:
    return {"title": title, "description": description, "grade": grade, "tags": tags}


@router.post("/campaigns/{campaign_id}/problems", dependencies=[CsrfChecked], summary="提交教学问题")
async def submit_problem(request: Request, campaign_id: Id, ctx: ConsoleContext,
                         title: Annotated[str, Form()] = "", description: Annotated[str, Form()] = "",
                         grade: Annotated[str, Form()] = "", tags: Annotated[str, Form()] = ""):
    values = _submitted(title, description, grade, tags)
    try:
        data = ProblemIn(title=title, description=description, grade=grade, tags=_tags(tags))
        await campaigns.submit_problem(ctx, campaign_id=campaign_id, data=data)
    except (ValidationError, DomainError) as exc:
        status_code, errors = errors_of(exc)
        return await _form(request, ctx, campaign_id, status_code=status_code, errors=errors, values=values)
    return RedirectResponse(_problems_url(campaign_id, "problem"), status_code=303)


@router.get("/campaigns/{campaign_id}/problems/{problem_id}/edit")
async def edit_form(request: Request, campaign_id: Id, problem_id: Id, ctx: ConsoleContext):
    return await _form(request, ctx, campaign_id, problem_id=problem_id)


@router.post("/campaigns/{campaign_id}/problems/{problem_id}/edit", dependencies=[CsrfChecked], summary="修改教学问题")
async def edit_problem(request: Request, campaign_id: Id, problem_id: Id, ctx: ConsoleContext,
                       title: Annotated[str, Form()] = "", description: Annotated[str, Form()] = "",
                       grade: Annotated[str, Form()] = "", tags: Annotated[str, Form()] = ""):
    values = _submitted(title, description, grade, tags)
    try:
        data = ProblemUpdate(title=title, description=description, grade=grade, tags=_tags(tags))
        await campaigns.edit_problem(ctx, campaign_id=campaign_id, problem_id=problem_id, data=data)
    except (ValidationError, DomainError) as exc:
        status_code, errors = errors_of(exc)
        return await _form(request, ctx, campaign_id, problem_id=problem_id, status_code=status_code, errors=errors,
                           values=values)
    return RedirectResponse(_problems_url(campaign_id, "edited"), status_code=303)


async def _list(request: Request, ctx, campaign_id: int, *, status_code: int = 200, flash: str = "",
                errors: dict | None = None):
    view = await campaign_pages.problems_page(ctx, campaign_id=campaign_id)
    listing = view.listing
    return page(request, "problems.html", ctx.user, status_code=status_code, campaign=view.campaign, flash=flash,
                errors=errors or {}, offers=view.offers, problems=listing.problems, voted=listing.voted,
                authors=listing.authors)


@router.get("/campaigns/{campaign_id}/problems")
async def problems(request: Request, campaign_id: Id, ctx: ConsoleContext, done: str = ""):
    return await _list(request, ctx, campaign_id, flash=DONE.get(done, ""))


async def _on_problem(request: Request, ctx, campaign_id: int, problem_id: int,
                      action: Callable[..., Awaitable[object]], done: str):
    """Vote, take a vote back, or withdraw: a refusal is shown beside the problem."""
    try:
        await action(ctx, campaign_id=campaign_id, problem_id=problem_id)
    except DomainError as exc:
        status_code, errors = errors_of(exc, field=f"problem-{problem_id}")
        return await _list(request, ctx, campaign_id, status_code=status_code, errors=errors)
    return RedirectResponse(_problems_url(campaign_id, done), status_code=303)


@router.post("/campaigns/{campaign_id}/problems/{problem_id}/vote", dependencies=[CsrfChecked], summary="投票")
async def vote(request: Request, campaign_id: Id, problem_id: Id, ctx: ConsoleContext):
    return await _on_problem(request, ctx, campaign_id, problem_id, campaigns.vote, "vote")


@router.post("/campaigns/{campaign_id}/problems/{problem_id}/second", dependencies=[CsrfChecked], summary="附议")
async def second(request: Request, campaign_id: Id, problem_id: Id, ctx: ConsoleContext,
                 comment: Annotated[str, Form()] = ""):
    """A refusal (past the budget, collection closed, words too long) is shown beside the problem in the list."""
    try:
        await campaigns.second(ctx, campaign_id=campaign_id, problem_id=problem_id, data=SecondIn(comment=comment))
    except (ValidationError, DomainError) as exc:
        status_code, errors = errors_of(exc, field=f"problem-{problem_id}")
        errors = {f"problem-{problem_id}": "；".join(errors.values())}
        return await _list(request, ctx, campaign_id, status_code=status_code, errors=errors)
    return RedirectResponse(_problems_url(campaign_id, "seconded") + f"#problem-{problem_id}", status_code=303)


@router.post("/campaigns/{campaign_id}/problems/{problem_id}/unvote", dependencies=[CsrfChecked], summary="撤回投票")
async def unvote(request: Request, campaign_id: Id, problem_id: Id, ctx: ConsoleContext):
    return await _on_problem(request, ctx, campaign_id, problem_id, campaigns.unvote, "unvote")


@router.post("/campaigns/{campaign_id}/problems/{problem_id}/withdraw", dependencies=[CsrfChecked], summary="撤回教学问题")
async def withdraw(request: Request, campaign_id: Id, problem_id: Id, ctx: ConsoleContext):
    return await _on_problem(request, ctx, campaign_id, problem_id, campaigns.withdraw_problem, "withdrawn")
