"""Order-style campaigns (订单式教研) in the console: the list, the launch form, a campaign's page
(the staff's board, or what a teacher in scope can do now) and the staff's phase decisions."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy import select

from api.audit import set_audit_subject
from api.clock import NowDep
from api.deps import SessionDep, SettingsDep, TemporalDep
from console.auth import ConsoleUser, CsrfChecked, require
from console.forms import FORM, errors_of, local_datetime, local_input
from console.render import page
from contracts.campaigns import (
    CYCLE, CampaignIn, CancelIn, CancelRequest, CloseRequest, ExtendIn, ExtendRequest, Phase,
)
from contracts.directory import GradeBand, Role
from models import Cluster, Problem, Training, Vote
from services import campaign_runs, campaign_views, campaigns
from contracts.errors import DomainError, InvalidField
from workflows.campaign import CampaignWorkflow

router = APIRouter()

STAFF = (Role.staff, Role.admin)
UNITS = {"days": ("天", timedelta(days=1)), "minutes": ("分钟", timedelta(minutes=1))}
DONE = {"launched": "活动已发起，问题征集已开始", "close": "已结束当前阶段", "extend": "截止时间已延长",
        "cancel": "活动已取消", "problem": "问题已提交", "vote": "已投票", "unvote": "已撤回投票",
        "topics": "专题已确认", "reflection": "反思已提交"}

PLAN_LABELS = {"missing": "未提交", "submitted": "待审核", "returned": "已退回", "approved": "已通过"}


def board_url(campaign_id: int, done: str = "") -> str:
    return f"/console/campaigns/{campaign_id}" + (f"?done={done}" if done else "")


@router.get("/campaigns")
async def campaign_list(request: Request, user: ConsoleUser, session: SessionDep):
    stmt = campaigns.campaigns_query(status=None, phase=None, subject=None, cluster_id=None,
                                     member_user_id=user.id if user.role == Role.teacher else None)
    return page(request, "campaigns.html", user, items=(await session.scalars(stmt.limit(200))).all())


# ---- launching -------------------------------------------------------------------------------


async def _new_form(request: Request, user, session, *, status_code: int = 200, errors: dict | None = None,
                    values: dict | None = None):
    clusters = (await session.execute(select(Cluster.id, Cluster.name).order_by(Cluster.id))).all()
    return page(request, "campaign_new.html", user, status_code=status_code, errors=errors or {},
                values=values or {"length": "14", "unit": "days", "vote_budget": "5"}, clusters=clusters,
                grade_bands=[("", "不限")] + [(b.value, b.value) for b in GradeBand],
                units=[(key, text) for key, (text, _) in UNITS.items()])


@router.get("/campaigns/new")
async def new_campaign_form(request: Request, user: ConsoleUser, session: SessionDep):
    require(user, *STAFF)
    return await _new_form(request, user, session)


@router.post("/campaigns/new", dependencies=[CsrfChecked])
async def launch_campaign(
    request: Request, user: ConsoleUser, session: SessionDep, temporal: TemporalDep, settings: SettingsDep,
    now: NowDep, title: Annotated[str, Form()] = "", subject: Annotated[str, Form()] = "",
    grade_band: Annotated[str, Form()] = "", cluster_ids: Annotated[list[int], Form()] = [],  # noqa: B006
    length: Annotated[str, Form()] = "", unit: Annotated[str, Form()] = "days",
    vote_budget: Annotated[str, Form()] = "",
):
    require(user, *STAFF)
    values = {"title": title, "subject": subject, "grade_band": grade_band, "cluster_ids": cluster_ids,
              "length": length, "unit": unit, "vote_budget": vote_budget}
    try:
        if not length.strip().isdigit() or int(length) < 1 or unit not in UNITS:
            return await _new_form(request, user, session, status_code=422, values=values,
                                   errors={"length": "请填写正整数的阶段时长"})
        data = CampaignIn(title=title, subject=subject.strip() or None, grade_band=grade_band or None,
                          cluster_ids=cluster_ids, vote_budget=vote_budget.strip() or None,
                          schedule={phase: int(length) * UNITS[unit][1] for phase in CYCLE})
        campaign = await campaign_runs.launch(session, temporal, settings=settings, data=data, by=user, now=now)
        set_audit_subject(request, "campaigns", campaign.id)
    except (ValidationError, DomainError) as exc:
        status_code, errors = errors_of(exc, field="cluster_ids")
        return await _new_form(request, user, session, status_code=status_code, values=values, errors=errors)
    return RedirectResponse(board_url(campaign.id, "launched"), status_code=303)


# ---- a campaign's page -----------------------------------------------------------------------


def progress(phase: str) -> list[tuple[str, str]]:
    """(label, done | current | "") for the five phases."""
    if phase == Phase.completed:
        return [(p.label, "done") for p in CYCLE]
    position = CYCLE.index(Phase(phase)) if phase in CYCLE else -1
    return [(p.label, "done" if n < position else "current" if n == position else "") for n, p in enumerate(CYCLE)]


async def problem_list(session, campaign_id: int, user_id: int) -> dict:
    """The live problems, most voted first, with what this user voted for and wrote."""
    problems = (await session.scalars(campaigns.live_problems(campaign_id)
                                      .order_by(Problem.votes.desc(), Problem.id))).all()
    voted = set(await session.scalars(select(Vote.problem_id).where(Vote.campaign_id == campaign_id,
                                                                   Vote.user_id == user_id)))
    return {"problems": problems, "voted": voted,
            "authors": await campaign_views.user_names(session, {p.author_user_id for p in problems})}


async def campaign_page(request: Request, user, session, settings, campaign_id: int, *, status_code: int = 200,
                        flash: str = "", errors: dict | None = None, values: dict | None = None):
    campaign = await campaigns.visible_campaign(session, campaign_id=campaign_id, user=user)
    detail = await campaign_views.campaign_detail(session, campaign, user_id=user.id)
    trainings = (await session.scalars(select(Training).where(Training.campaign_id == campaign_id)
                                       .order_by(Training.starts_at))).all()
    context = {
        "campaign": detail, "progress": progress(campaign.phase), "trainings": trainings, "flash": flash,
        "errors": errors or {}, "values": values or {"until": local_input(campaign.deadline, settings.tz)},
        "leads": await campaign_views.user_names(session, {t.lead_user_id for t in detail.topics}),
        "open": campaign.step == "open", "plan_labels": PLAN_LABELS,
    }
    if user.role == Role.teacher:
        budget = campaigns.campaign_params(campaign).vote_budget
        listing = await problem_list(session, campaign_id, user.id)
        return page(request, "campaign_teacher.html", user, status_code=status_code, **context, **listing,
                    votes_left=budget - len(listing["voted"]))
    return page(request, "campaign_board.html", user, status_code=status_code, **context,
                not_acted=await campaign_views.not_acted(session, campaign))


@router.get("/campaigns/{campaign_id}")
async def campaign_detail(request: Request, campaign_id: int, user: ConsoleUser, session: SessionDep,
                          settings: SettingsDep, done: str = ""):
    return await campaign_page(request, user, session, settings, campaign_id, flash=DONE.get(done, ""))


# ---- the staff's decisions on phases ----------------------------------------------------------


async def _steer(request: Request, user, session, settings, temporal, campaign_id: int, update, build, *,
                 done: str, field: str = FORM, values: dict | None = None):
    """Build the Update's argument from the form (the API's contracts validate it), send it."""
    require(user, *STAFF)
    try:
        campaign = await campaigns.get_campaign(session, campaign_id)
        await campaign_runs.steer(temporal, campaign=campaign, update=update, arg=build())
    except (ValidationError, DomainError) as exc:
        status_code, errors = errors_of(exc, field=field)
        return await campaign_page(request, user, session, settings, campaign_id, status_code=status_code,
                                   errors=errors, values=values)
    return RedirectResponse(board_url(campaign_id, done), status_code=303)


@router.post("/campaigns/{campaign_id}/phase/close", dependencies=[CsrfChecked])
async def close_phase(request: Request, campaign_id: int, user: ConsoleUser, session: SessionDep,
                      settings: SettingsDep, temporal: TemporalDep):
    return await _steer(request, user, session, settings, temporal, campaign_id, CampaignWorkflow.close_phase,
                        lambda: CloseRequest(user_id=user.id), done="close")


@router.post("/campaigns/{campaign_id}/phase/extend", dependencies=[CsrfChecked])
async def extend_phase(request: Request, campaign_id: int, user: ConsoleUser, session: SessionDep,
                       settings: SettingsDep, temporal: TemporalDep, until: Annotated[str, Form()] = ""):
    def build() -> ExtendRequest:
        when = local_datetime(until, settings.tz)
        if when is None:
            raise InvalidField("until", "请选择新的截止时间")
        return ExtendRequest(user_id=user.id, until=ExtendIn(until=when).until)

    return await _steer(request, user, session, settings, temporal, campaign_id, CampaignWorkflow.extend_phase,
                        build, done="extend", field="until", values={"until": until})


@router.post("/campaigns/{campaign_id}/cancel", dependencies=[CsrfChecked])
async def cancel_campaign(request: Request, campaign_id: int, user: ConsoleUser, session: SessionDep,
                          settings: SettingsDep, temporal: TemporalDep, reason: Annotated[str, Form()] = ""):
    return await _steer(request, user, session, settings, temporal, campaign_id, CampaignWorkflow.cancel,
                        lambda: CancelRequest(user_id=user.id, reason=CancelIn(reason=reason).reason),
                        done="cancel", field="reason", values={"reason": reason})
