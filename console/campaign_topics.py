"""After collection: the staff confirm topics from the proposals; each topic's plan (the lead
writes it, the staff approve or return it); trainings with check-in; reflections; the report."""

from datetime import date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy import select

from api.clock import NowDep
from api.deps import SessionDep, SettingsDep, TemporalDep
from console.auth import ConsoleUser, CsrfChecked, require
from console.campaigns import PLAN_LABELS, STAFF, board_url
from console.forms import errors_of, lines
from console.render import page
from contracts.campaigns import Phase, PlanIn, PlanStatus, ReflectionIn, StageIn, TopicIn, TopicsConfirm
from models import CheckIn, Problem, Reflection, Topic
from services import campaign_actions, campaign_report, campaign_views, campaigns
from contracts.errors import DomainError, InvalidField

router = APIRouter()


# ---- confirming topics (staff) -----------------------------------------------------------------


async def _proposals_page(request: Request, user, session, campaign_id: int, *, status_code: int = 200,
                          errors: dict | None = None, values: dict | None = None):
    require(user, *STAFF)
    campaign = await campaigns.get_campaign(session, campaign_id)
    proposals = await campaign_views.topic_proposals(session, campaign_id)
    author_of = dict((await session.execute(select(Problem.id, Problem.author_user_id).where(
        Problem.campaign_id == campaign_id))).all())
    authors = {p.rank: list(dict.fromkeys(author_of[i] for i in p.problem_ids if i in author_of)) for p in proposals}
    names = await campaign_views.user_names(session, {u for ids in authors.values() for u in ids})
    leads = {rank: [(u, names.get(u, str(u))) for u in ids] + [(user.id, f"{user.display_name}（我）")]
             for rank, ids in authors.items()}
    defaults = {}
    for p in proposals:
        defaults |= {f"include_{p.rank}": "on", f"title_{p.rank}": p.suggested_title,
                     f"lead_{p.rank}": str(leads[p.rank][0][0])}
    return page(request, "topic_proposals.html", user, status_code=status_code, campaign=campaign,
                proposals=proposals, leads=leads, errors=errors or {}, values=values or defaults)


@router.get("/campaigns/{campaign_id}/topic-proposals")
async def topic_proposals(request: Request, campaign_id: int, user: ConsoleUser, session: SessionDep):
    return await _proposals_page(request, user, session, campaign_id)


@router.post("/campaigns/{campaign_id}/topics", dependencies=[CsrfChecked])
async def confirm_topics(request: Request, campaign_id: int, user: ConsoleUser, session: SessionDep,
                         temporal: TemporalDep):
    require(user, *STAFF)
    values = {k: v for k, v in (await request.form()).items() if k != "csrf"}
    proposals = await campaign_views.topic_proposals(session, campaign_id)
    try:
        data = TopicsConfirm(topics=[
            TopicIn(title=values.get(f"title_{p.rank}", ""), problem_ids=p.problem_ids,
                    lead_user_id=values.get(f"lead_{p.rank}") or user.id)
            for p in proposals if values.get(f"include_{p.rank}")])
        await campaign_actions.confirm_topics(session, temporal, campaign_id=campaign_id, topics=data.topics, user=user)
    except (ValidationError, DomainError) as exc:
        status_code, errors = errors_of(exc, field="topics")
        return await _proposals_page(request, user, session, campaign_id, status_code=status_code, errors=errors,
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


async def _plan_page(request: Request, user, session, settings, campaign_id: int, topic_id: int, *,
                     status_code: int = 200, flash: str = "", errors: dict | None = None, values: dict | None = None):
    campaign = await campaigns.visible_campaign(session, campaign_id=campaign_id, user=user)
    topic = await campaigns.get_topic(session, campaign_id=campaign_id, topic_id=topic_id)
    plan = await campaign_views.plan_out(session, topic_id)
    assignees = {u for s in plan.stages for u in s.assignee_user_ids} if plan else set()
    names = await campaign_views.user_names(session, assignees | {topic.lead_user_id})
    if values is None:
        codes = await campaign_views.user_codes(session, assignees)
        values = {"goal": plan.goal if plan else "", "stages": "\n".join(
            f"{s.title} | {s.due_at.astimezone(settings.tz):%Y-%m-%d} | {','.join(codes[u] for u in s.assignee_user_ids)}"
            for s in plan.stages) if plan else ""}
    designing = campaign.phase == Phase.design_plan
    return page(request, "plan.html", user, status_code=status_code, flash=flash, campaign=campaign, topic=topic,
                plan=plan, names=names, errors=errors or {}, values=values, plan_labels=PLAN_LABELS,
                can_write=designing and topic.lead_user_id == user.id and topic.plan_status != PlanStatus.approved,
                can_decide=designing and user.role in STAFF and topic.plan_status == PlanStatus.submitted)


@router.get("/campaigns/{campaign_id}/topics/{topic_id}/plan")
async def plan(request: Request, campaign_id: int, topic_id: int, user: ConsoleUser, session: SessionDep,
               settings: SettingsDep, done: str = ""):
    flash = {"submitted": "方案已提交，等待教研员审核", "approved": "方案已通过，任务已分配", "returned": "方案已退回"}
    return await _plan_page(request, user, session, settings, campaign_id, topic_id, flash=flash.get(done, ""))


def _plan_url(campaign_id: int, topic_id: int, done: str) -> str:
    return f"/console/campaigns/{campaign_id}/topics/{topic_id}/plan?done={done}"


@router.post("/campaigns/{campaign_id}/topics/{topic_id}/plan", dependencies=[CsrfChecked])
async def submit_plan(request: Request, campaign_id: int, topic_id: int, user: ConsoleUser, session: SessionDep,
                      settings: SettingsDep, temporal: TemporalDep, now: NowDep,
                      goal: Annotated[str, Form()] = "", stages: Annotated[str, Form()] = ""):
    values = {"goal": goal, "stages": stages}
    try:
        codes = await campaign_views.user_ids_by_code(session, [c.strip() for line in lines(stages)
                                                                for c in line.split("|")[-1].replace("，", ",").split(",")])
        data = PlanIn(goal=goal, stages=_parse_stages(stages, codes, settings.tz))
        await campaign_actions.submit_plan(session, temporal, campaign_id=campaign_id, topic_id=topic_id, data=data,
                                           user=user, now=now)
    except (ValidationError, DomainError) as exc:
        status_code, errors = errors_of(exc)
        return await _plan_page(request, user, session, settings, campaign_id, topic_id, status_code=status_code,
                                errors=errors, values=values)
    return RedirectResponse(_plan_url(campaign_id, topic_id, "submitted"), status_code=303)


async def _decide(request: Request, user, session, settings, temporal, campaign_id: int, topic_id: int, *,
                  approve: bool, comment: str):
    require(user, *STAFF)
    try:
        if not approve and not comment.strip():
            raise InvalidField("comment", "退回方案须写明意见")
        await campaign_actions.decide_plan(session, temporal, campaign_id=campaign_id, topic_id=topic_id, user=user,
                                           approve=approve, comment=comment.strip())
    except DomainError as exc:
        status_code, errors = errors_of(exc)
        return await _plan_page(request, user, session, settings, campaign_id, topic_id, status_code=status_code,
                                errors=errors, values=None)
    return RedirectResponse(_plan_url(campaign_id, topic_id, "approved" if approve else "returned"), status_code=303)


@router.post("/campaigns/{campaign_id}/topics/{topic_id}/plan/approve", dependencies=[CsrfChecked])
async def approve_plan(request: Request, campaign_id: int, topic_id: int, user: ConsoleUser, session: SessionDep,
                       settings: SettingsDep, temporal: TemporalDep, comment: Annotated[str, Form()] = ""):
    return await _decide(request, user, session, settings, temporal, campaign_id, topic_id, approve=True,
                         comment=comment)


@router.post("/campaigns/{campaign_id}/topics/{topic_id}/plan/return", dependencies=[CsrfChecked])
async def return_plan(request: Request, campaign_id: int, topic_id: int, user: ConsoleUser, session: SessionDep,
                      settings: SettingsDep, temporal: TemporalDep, comment: Annotated[str, Form()] = ""):
    return await _decide(request, user, session, settings, temporal, campaign_id, topic_id, approve=False,
                         comment=comment)


# ---- trainings ---------------------------------------------------------------------------------


async def _training_page(request: Request, user, session, now, campaign_id: int, training_id: int, *,
                         status_code: int = 200, flash: str = "", errors: dict | None = None):
    campaign = await campaigns.visible_campaign(session, campaign_id=campaign_id, user=user)
    training = await campaign_actions.get_training(session, training_id, campaign_id=campaign_id)
    opens, closes = campaigns.checkin_window(training, campaigns.campaign_params(campaign))
    member = await campaigns.member_of(session, campaign_id=campaign_id, user_id=user.id)
    checked = await session.get(CheckIn, (training_id, user.id))
    topic = await session.get(Topic, training.topic_id)
    return page(request, "training.html", user, status_code=status_code, flash=flash, errors=errors or {},
                campaign=campaign, training=training, topic=topic, opens=opens, closes=closes,
                can_check_in=member is not None and checked is None and opens <= now <= closes, checked=checked)


@router.get("/campaigns/{campaign_id}/trainings/{training_id}")
async def training(request: Request, campaign_id: int, training_id: int, user: ConsoleUser, session: SessionDep,
                   now: NowDep, done: str = ""):
    return await _training_page(request, user, session, now, campaign_id, training_id,
                                flash="签到成功" if done == "checkin" else "")


@router.post("/campaigns/{campaign_id}/trainings/{training_id}/checkin", dependencies=[CsrfChecked])
async def training_check_in(request: Request, campaign_id: int, training_id: int, user: ConsoleUser,
                            session: SessionDep, now: NowDep):
    try:
        await campaign_actions.get_training(session, training_id, campaign_id=campaign_id)
        await campaign_actions.check_in_training(session, training_id=training_id, user=user, now=now)
    except DomainError as exc:
        status_code, errors = errors_of(exc, field="checkin")
        return await _training_page(request, user, session, now, campaign_id, training_id, status_code=status_code,
                                    errors=errors)
    await session.commit()
    return RedirectResponse(f"/console/campaigns/{campaign_id}/trainings/{training_id}?done=checkin", status_code=303)


# ---- reflections and the report ----------------------------------------------------------------


async def _reflection_form(request: Request, user, session, campaign_id: int, *, status_code: int = 200,
                           errors: dict | None = None, values: dict | None = None):
    await campaigns.require_member(session, campaign_id=campaign_id, user=user)
    campaign = await campaigns.get_campaign(session, campaign_id)
    if values is None:
        mine = await session.scalar(select(Reflection).where(Reflection.campaign_id == campaign_id,
                                                             Reflection.user_id == user.id))
        values = {"text": mine.text, "topic_id": mine.topic_id or ""} if mine else {}
    topics = await campaigns.topics_out(session, campaign_id)
    return page(request, "reflection.html", user, status_code=status_code, campaign=campaign, errors=errors or {},
                values=values, topics=[("", "（不限专题）")] + [(t.id, t.title) for t in topics])


@router.get("/campaigns/{campaign_id}/reflections/new")
async def reflection_form(request: Request, campaign_id: int, user: ConsoleUser, session: SessionDep):
    return await _reflection_form(request, user, session, campaign_id)


@router.post("/campaigns/{campaign_id}/reflections", dependencies=[CsrfChecked])
async def reflect(request: Request, campaign_id: int, user: ConsoleUser, session: SessionDep,
                  text: Annotated[str, Form()] = "", topic_id: Annotated[str, Form()] = ""):
    values = {"text": text, "topic_id": topic_id}
    try:
        await campaigns.require_member(session, campaign_id=campaign_id, user=user)
        data = ReflectionIn(text=text, topic_id=topic_id or None)
        await campaigns.reflect(session, campaign_id=campaign_id, user_id=user.id, data=data)
    except (ValidationError, DomainError) as exc:
        status_code, errors = errors_of(exc)
        return await _reflection_form(request, user, session, campaign_id, status_code=status_code, errors=errors,
                                      values=values)
    await session.commit()
    return RedirectResponse(board_url(campaign_id, "reflection"), status_code=303)


@router.get("/campaigns/{campaign_id}/report")
async def report(request: Request, campaign_id: int, user: ConsoleUser, session: SessionDep, settings: SettingsDep):
    """The report as the API serves it (a document of its own, to print or forward)."""
    campaign = await campaigns.visible_campaign(session, campaign_id=campaign_id, user=user)
    html, _ = await campaign_report.report_of(session, campaign=campaign, tz=settings.tz)
    return HTMLResponse(html)

