"""After collection: the staff confirm topics from the proposals; each topic's plan (the lead
writes it, marks its stages done and sums it up; the staff approve or return it); trainings (the
staff schedule them, participants check in); reflections; the report."""

from collections.abc import Awaitable, Callable
from datetime import date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from actions.campaigns import pages as campaign_pages
from actions.campaigns import actions as campaigns
from console.auth import ConsoleContext, CsrfChecked
from console.campaigns.pages import PLAN_LABELS, board_url
from console.forms import errors_of, lines, local_datetime
from console.render import page
from contracts.campaigns.api import ProblemMove, ProposalSplit, ProposalsMerge, ReflectionIn, SummaryIn, TopicsConfirm
from contracts.campaigns.history import PlanIn, StageIn, TopicIn, TrainingIn
from contracts.errors import DomainError, InvalidField, NotFound
from contracts.limits import Id

router = APIRouter()


# ---- confirming topics (staff) -----------------------------------------------------------------


async def _proposals_page(request: Request, ctx, campaign_id: int, *, status_code: int = 200,
                          errors: dict | None = None, values: dict | None = None):
    view = await campaign_pages.proposals_page(ctx, campaign_id=campaign_id)
    defaults = {}
    for p in view.proposals:
        defaults |= {f"include_{p.rank}": "on", f"title_{p.rank}": p.suggested_title,
                     f"lead_{p.rank}": str(view.lead_choices[p.rank][0][0])}
    titles = {m.problem_id: m.title for p in view.proposals for m in p.problems}
    return page(request, "topic_proposals.html", ctx.user, status_code=status_code, campaign=view.campaign,
                proposals=view.proposals, leads=view.lead_choices, offers=view.offers, titles=titles,
                errors=errors or {}, values=values or defaults)


@router.get("/campaigns/{campaign_id}/topic-proposals")
async def topic_proposals(request: Request, campaign_id: Id, ctx: ConsoleContext):
    return await _proposals_page(request, ctx, campaign_id)


# Shaping the proposals: each form names proposals by a problem in them, as the API does.
SHAPING: dict[str, tuple[Callable[..., Awaitable], type]] = {
    "merge": (campaigns.merge_proposals, ProposalsMerge),
    "move": (campaigns.move_problem, ProblemMove),
    "split": (campaigns.split_proposal, ProposalSplit),
}


@router.post("/campaigns/{campaign_id}/topic-proposals/{how}", dependencies=[CsrfChecked], summary="整理专题建议")
async def shape_proposals(request: Request, campaign_id: Id, how: str, ctx: ConsoleContext):
    if how not in SHAPING:
        raise NotFound("操作 (action)", how)
    action, body = SHAPING[how]
    form = await request.form()
    values = {"problem_ids": [v for v in form.getlist("problem_ids") if v],
              "problem_id": form.get("problem_id") or None, "to_problem_id": form.get("to_problem_id") or None}
    try:
        await action(ctx, campaign_id=campaign_id, data=body.model_validate(
            {k: v for k, v in values.items() if k in body.model_fields}))
    except (ValidationError, DomainError) as exc:
        status_code, errors = errors_of(exc)
        return await _proposals_page(request, ctx, campaign_id, status_code=status_code,
                                     errors={"shape": "；".join(errors.values())})
    return RedirectResponse(f"/console/campaigns/{campaign_id}/topic-proposals", status_code=303)


@router.post("/campaigns/{campaign_id}/topics", dependencies=[CsrfChecked], summary="确认专题")
async def confirm_topics(request: Request, campaign_id: Id, ctx: ConsoleContext):
    values = {k: v for k, v in (await request.form()).items() if k != "csrf"}
    try:
        proposals = await campaign_pages.proposals_to_confirm(ctx, campaign_id=campaign_id)
        data = TopicsConfirm(topics=[
            TopicIn(title=values.get(f"title_{p.rank}", ""), problem_ids=p.problem_ids,
                    lead_user_id=values.get(f"lead_{p.rank}") or ctx.user.id)
            for p in proposals if values.get(f"include_{p.rank}")])
        await campaigns.confirm_topics(ctx, campaign_id=campaign_id, topics=data.topics)
    except (ValidationError, DomainError) as exc:
        status_code, errors = errors_of(exc, field="topics")
        return await _proposals_page(request, ctx, campaign_id, status_code=status_code, errors=errors,
                                     values=values)
    return RedirectResponse(board_url(campaign_id, "topics"), status_code=303)


# ---- a topic's plan ----------------------------------------------------------------------------


def _parse_stages(text: str, codes: dict[str, int], tz) -> list[StageIn]:
    """Lines "阶段标题 | YYYY-MM-DD | 工号,工号": due at the end of that day, local time."""
    stages = []
    for number, line in enumerate(lines(text), start=1):
        parts = [part.strip() for part in line.replace("｜", "|").split("|")]
        try:
            title, day, people = parts
            due = datetime.combine(date.fromisoformat(day), time(23, 59), tzinfo=tz)
        except ValueError:
            raise InvalidField("stages", f"第 {number} 行格式应为「阶段标题 | YYYY-MM-DD | 工号,工号」") from None
        wanted = [c for c in people.replace("，", ",").split(",") if c.strip()]
        if unknown := [c.strip() for c in wanted if c.strip() not in codes]:
            raise InvalidField("stages", f"第 {number} 行：找不到工号 {'、'.join(unknown)}")
        stages.append(StageIn(title=title, due_at=due, assignee_user_ids=[codes[c.strip()] for c in wanted]))
    return stages


async def _plan_page(request: Request, ctx, campaign_id: int, topic_id: int, *, status_code: int = 200,
                     flash: str = "", errors: dict | None = None, values: dict | None = None):
    view = await campaign_pages.plan_page(ctx, campaign_id=campaign_id, topic_id=topic_id)
    plan, tz = view.plan, ctx.settings.tz
    if values is None:
        values = {"goal": plan.goal if plan else "", "stages": "\n".join(
            f"{s.title} | {s.due_at.astimezone(tz):%Y-%m-%d} | {','.join(view.codes[u] for u in s.assignee_user_ids)}"
            for s in plan.stages) if plan else "", **view.summary}
    return page(request, "plan.html", ctx.user, status_code=status_code, flash=flash, campaign=view.campaign,
                topic=view.topic, plan=plan, names=view.names, errors=errors or {}, values=values,
                plan_labels=PLAN_LABELS, can_write=view.can_write, can_decide=view.can_decide,
                can_mark_done=view.can_mark_done, can_summarise=view.can_summarise)


PLAN_DONE = {"submitted": "方案已提交，等待教研员审核", "approved": "方案已通过，任务已分配", "returned": "方案已退回",
             "stage": "阶段已标记完成", "summary": "专题总结已保存"}


@router.get("/campaigns/{campaign_id}/topics/{topic_id}/plan")
async def plan(request: Request, campaign_id: Id, topic_id: Id, ctx: ConsoleContext, done: str = ""):
    return await _plan_page(request, ctx, campaign_id, topic_id, flash=PLAN_DONE.get(done, ""))


async def _on_plan(request: Request, ctx, campaign_id: int, topic_id: int, act: Callable[[], Awaitable[object]], *,
                   done: str, values: dict | None = None):
    """Run a plan action; a refusal is shown on the plan page, next to its field."""
    try:
        await act()
    except (ValidationError, DomainError) as exc:
        status_code, errors = errors_of(exc)
        return await _plan_page(request, ctx, campaign_id, topic_id, status_code=status_code, errors=errors,
                                values=values)
    return RedirectResponse(f"/console/campaigns/{campaign_id}/topics/{topic_id}/plan?done={done}", status_code=303)


@router.post("/campaigns/{campaign_id}/topics/{topic_id}/plan", dependencies=[CsrfChecked], summary="提交研究方案")
async def submit_plan(request: Request, campaign_id: Id, topic_id: Id, ctx: ConsoleContext,
                      goal: Annotated[str, Form()] = "", stages: Annotated[str, Form()] = ""):
    async def submit():
        people = [c.strip() for line in lines(stages) for c in line.split("|")[-1].replace("，", ",").split(",")]
        codes = await campaign_pages.logins_by_code(ctx, codes=people)
        data = PlanIn(goal=goal, stages=_parse_stages(stages, codes, ctx.settings.tz))
        return await campaigns.submit_plan(ctx, campaign_id=campaign_id, topic_id=topic_id, data=data)

    return await _on_plan(request, ctx, campaign_id, topic_id, submit, done="submitted",
                          values={"goal": goal, "stages": stages})


@router.post("/campaigns/{campaign_id}/topics/{topic_id}/plan/approve", dependencies=[CsrfChecked], summary="批准研究方案")
async def approve_plan(request: Request, campaign_id: Id, topic_id: Id, ctx: ConsoleContext,
                       comment: Annotated[str, Form()] = ""):
    return await _on_plan(request, ctx, campaign_id, topic_id, lambda: campaigns.decide_plan(
        ctx, campaign_id=campaign_id, topic_id=topic_id, approve=True, comment=comment.strip()), done="approved")


@router.post("/campaigns/{campaign_id}/topics/{topic_id}/plan/return", dependencies=[CsrfChecked], summary="退回研究方案")
async def return_plan(request: Request, campaign_id: Id, topic_id: Id, ctx: ConsoleContext,
                      comment: Annotated[str, Form()] = ""):
    return await _on_plan(request, ctx, campaign_id, topic_id, lambda: campaigns.decide_plan(
        ctx, campaign_id=campaign_id, topic_id=topic_id, approve=False, comment=comment.strip()), done="returned")


@router.post("/campaigns/{campaign_id}/topics/{topic_id}/stages/{stage_id}/done", dependencies=[CsrfChecked],
             summary="标记阶段完成")
async def mark_stage_done(request: Request, campaign_id: Id, topic_id: Id, stage_id: Id, ctx: ConsoleContext):
    return await _on_plan(request, ctx, campaign_id, topic_id, lambda: campaigns.mark_stage_done(
        ctx, campaign_id=campaign_id, stage_id=stage_id), done="stage")


@router.post("/campaigns/{campaign_id}/topics/{topic_id}/summary", dependencies=[CsrfChecked], summary="撰写专题总结")
async def write_summary(request: Request, campaign_id: Id, topic_id: Id, ctx: ConsoleContext,
                        worked: Annotated[str, Form()] = "", did_not_work: Annotated[str, Form()] = ""):
    async def save():
        data = SummaryIn(worked=worked, did_not_work=did_not_work)
        return await campaigns.write_summary(ctx, campaign_id=campaign_id, topic_id=topic_id, data=data)

    return await _on_plan(request, ctx, campaign_id, topic_id, save, done="summary",
                          values={"worked": worked, "did_not_work": did_not_work})


# ---- trainings ---------------------------------------------------------------------------------


async def _training_form(request: Request, ctx, campaign_id: int, *, status_code: int = 200,
                         errors: dict | None = None, values: dict | None = None):
    view = await campaign_pages.training_form(ctx, campaign_id=campaign_id)
    return page(request, "training_new.html", ctx.user, status_code=status_code, campaign=view.campaign,
                topics=view.topics, errors=errors or {}, values=values or {})


@router.get("/campaigns/{campaign_id}/trainings/new")
async def training_form(request: Request, campaign_id: Id, ctx: ConsoleContext):
    return await _training_form(request, ctx, campaign_id)


@router.post("/campaigns/{campaign_id}/trainings", dependencies=[CsrfChecked], summary="安排培训")
async def schedule_training(
    request: Request, campaign_id: Id, ctx: ConsoleContext, topic_id: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "", expert: Annotated[str, Form()] = "", starts_at: Annotated[str, Form()] = "",
    ends_at: Annotated[str, Form()] = "", place: Annotated[str, Form()] = "", online_link: Annotated[str, Form()] = "",
    materials: Annotated[str, Form()] = "",
):
    values = {"topic_id": topic_id, "title": title, "expert": expert, "starts_at": starts_at, "ends_at": ends_at,
              "place": place, "online_link": online_link, "materials": materials}
    try:
        data = TrainingIn(topic_id=topic_id, title=title, expert=expert,
                          starts_at=local_datetime(starts_at, ctx.settings.tz),
                          ends_at=local_datetime(ends_at, ctx.settings.tz), place=place,
                          online_link=online_link.strip() or None, materials=lines(materials))
        await campaigns.schedule_training(ctx, campaign_id=campaign_id, data=data)
    except (ValidationError, DomainError) as exc:
        status_code, errors = errors_of(exc)
        return await _training_form(request, ctx, campaign_id, status_code=status_code, errors=errors,
                                    values=values)
    return RedirectResponse(board_url(campaign_id, "training"), status_code=303)


async def _training_page(request: Request, ctx, campaign_id: int, training_id: int, *, status_code: int = 200,
                         flash: str = "", errors: dict | None = None):
    view = await campaign_pages.training_page(ctx, campaign_id=campaign_id, training_id=training_id)
    return page(request, "training.html", ctx.user, status_code=status_code, flash=flash, errors=errors or {},
                campaign=view.campaign, training=view.training, topic=view.topic, opens=view.opens,
                closes=view.closes, can_check_in=view.can_check_in, checked=view.checked)


@router.get("/campaigns/{campaign_id}/trainings/{training_id}")
async def training(request: Request, campaign_id: Id, training_id: Id, ctx: ConsoleContext, done: str = ""):
    return await _training_page(request, ctx, campaign_id, training_id, flash="签到成功" if done == "checkin" else "")


@router.post("/campaigns/{campaign_id}/trainings/{training_id}/checkin", dependencies=[CsrfChecked], summary="培训签到")
async def training_check_in(request: Request, campaign_id: Id, training_id: Id, ctx: ConsoleContext):
    try:
        await campaigns.get_training(ctx, training_id, campaign_id=campaign_id)
        await campaigns.check_in_training(ctx, training_id=training_id)
    except DomainError as exc:
        status_code, errors = errors_of(exc, field="checkin")
        return await _training_page(request, ctx, campaign_id, training_id, status_code=status_code, errors=errors)
    return RedirectResponse(f"/console/campaigns/{campaign_id}/trainings/{training_id}?done=checkin", status_code=303)


# ---- reflections and the report ----------------------------------------------------------------


async def _reflection_form(request: Request, ctx, campaign_id: int, *, status_code: int = 200,
                           errors: dict | None = None, values: dict | None = None):
    view = await campaign_pages.reflection_form(ctx, campaign_id=campaign_id)
    if values is None:
        values = {"text": view.mine.text, "topic_id": view.mine.topic_id or ""} if view.mine else {}
    return page(request, "reflection.html", ctx.user, status_code=status_code, campaign=view.campaign,
                errors=errors or {}, values=values, topics=view.topics)


@router.get("/campaigns/{campaign_id}/reflections/new")
async def reflection_form(request: Request, campaign_id: Id, ctx: ConsoleContext):
    return await _reflection_form(request, ctx, campaign_id)


@router.post("/campaigns/{campaign_id}/reflections", dependencies=[CsrfChecked], summary="提交反思")
async def reflect(request: Request, campaign_id: Id, ctx: ConsoleContext, text: Annotated[str, Form()] = "",
                  topic_id: Annotated[str, Form()] = ""):
    try:
        data = ReflectionIn(text=text, topic_id=topic_id or None)
        await campaigns.reflect(ctx, campaign_id=campaign_id, data=data)
    except (ValidationError, DomainError) as exc:
        status_code, errors = errors_of(exc)
        return await _reflection_form(request, ctx, campaign_id, status_code=status_code, errors=errors,
                                      values={"text": text, "topic_id": topic_id})
    return RedirectResponse(board_url(campaign_id, "reflection"), status_code=303)


@router.get("/campaigns/{campaign_id}/report")
async def report(campaign_id: Id, ctx: ConsoleContext):
    """The report as the API serves it (a document of its own, to print or forward)."""
    html, _ = await campaigns.report(ctx, campaign_id=campaign_id)
    return HTMLResponse(html)
