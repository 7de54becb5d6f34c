"""Order-style campaigns (订单式教研) in the console: the list, the launch form, a campaign's page
(the staff's board, or what a teacher in scope can do now) and the staff's phase decisions.
Each page parses its form, calls an action, and renders; the actions decide who may."""

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from actions.campaigns import pages as campaign_pages
from actions.campaigns import actions as campaigns
from api.audit import set_audit_subject
from console.auth import ConsoleContext, CsrfChecked
from console.forms import FORM, errors_of, local_datetime, local_input
from console.render import page
from contracts.campaigns.api import CampaignIn, CancelIn, CloseIn, ExtendIn, OrganiserIn
from contracts.campaigns.history import CYCLE, Phase
from contracts.errors import DomainError, InvalidField, StillRunning
from contracts.limits import Id
from contracts.runs.api import RunPending

router = APIRouter()

UNITS = {"days": ("天", timedelta(days=1)), "minutes": ("分钟", timedelta(minutes=1))}
DONE = {"launched": "活动已发起，问题征集已开始", "close": "已结束当前阶段", "extend": "截止时间已延长",
        "cancel": "活动已取消", "problem": "问题已提交", "vote": "已投票", "unvote": "已撤回投票",
        "seconded": "已附议：算作您的一票，您补充的情况教研员会看到",
        "topics": "专题已确认", "reflection": "反思已提交", "training": "培训已安排，参与者将收到邀请",
        "edited": "问题已修改", "withdrawn": "问题已撤回", "organiser_added": "已添加协同组织者",
        "organiser_removed": "已移除协同组织者",
        "theme_named": "预期主题已设定：征集截止后，系统会把与之相近的问题归入其下",
        "theme_removed": "预期主题已删除", "pending": "已受理：流程正在处理（见运行记录），稍后刷新查看",
        "run_pending": "活动已保存；工作流服务暂不可用，恢复后自动开始问题征集"}

PLAN_LABELS = {"missing": "未提交", "submitted": "待审核", "returned": "已退回", "approved": "已通过"}


def board_url(campaign_id: int, done: str = "") -> str:
    return f"/console/campaigns/{campaign_id}" + (f"?done={done}" if done else "")


@router.get("/campaigns")
async def campaign_list(request: Request, ctx: ConsoleContext):
    return page(request, "campaigns.html", ctx.user, items=await campaign_pages.campaign_list(ctx))


# ---- launching -------------------------------------------------------------------------------


async def _new_form(request: Request, ctx, *, status_code: int = 200, errors: dict | None = None,
                    values: dict | None = None):
    form = await campaign_pages.launch_form(ctx)
    return page(request, "campaign_new.html", ctx.user, status_code=status_code, errors=errors or {},
                values=values or {"length": "14", "unit": "days", "vote_budget": "5"}, clusters=form.clusters,
                grade_bands=form.grade_bands, units=[(key, text) for key, (text, _) in UNITS.items()])


@router.get("/campaigns/new")
async def new_campaign_form(request: Request, ctx: ConsoleContext):
    return await _new_form(request, ctx)


@router.post("/campaigns/new", dependencies=[CsrfChecked], summary="发起订单式教研")
async def launch_campaign(
    request: Request, ctx: ConsoleContext, title: Annotated[str, Form()] = "", subject: Annotated[str, Form()] = "",
    grade_band: Annotated[str, Form()] = "", cluster_ids: Annotated[list[int], Form()] = [],  # noqa: B006
    length: Annotated[str, Form()] = "", unit: Annotated[str, Form()] = "days",
    vote_budget: Annotated[str, Form()] = "",
):
    values = {"title": title, "subject": subject, "grade_band": grade_band, "cluster_ids": cluster_ids,
              "length": length, "unit": unit, "vote_budget": vote_budget}
    try:
        # Four digits at most: a longer number overflows a duration before CampaignIn can refuse it.
        if not (length.strip().isdigit() and len(length.strip()) <= 4 and int(length) >= 1) or unit not in UNITS:
            raise InvalidField("length", "请填写正整数的阶段时长")
        data = CampaignIn(title=title, subject=subject.strip() or None, grade_band=grade_band or None,
                          cluster_ids=cluster_ids, vote_budget=vote_budget.strip() or None,
                          schedule={phase: int(length) * UNITS[unit][1] for phase in CYCLE})
        launched = await campaigns.launch(ctx, data=data)
    except (ValidationError, DomainError) as exc:
        status_code, errors = errors_of(exc, field="cluster_ids")
        return await _new_form(request, ctx, status_code=status_code, values=values, errors=errors)
    set_audit_subject(request, "campaigns", launched.id)
    done = "run_pending" if isinstance(launched, RunPending) else "launched"
    return RedirectResponse(board_url(launched.id, done), status_code=303)


# ---- a campaign's page -----------------------------------------------------------------------


def progress(phase: str) -> list[tuple[str, str]]:
    """(label, done | current | "") for the five phases."""
    if phase == Phase.completed:
        return [(p.label, "done") for p in CYCLE]
    position = CYCLE.index(Phase(phase)) if phase in CYCLE else -1
    return [(p.label, "done" if n < position else "current" if n == position else "") for n, p in enumerate(CYCLE)]


async def campaign_page(request: Request, ctx, campaign_id: int, *, status_code: int = 200, flash: str = "",
                        errors: dict | None = None, values: dict | None = None):
    view = await campaign_pages.campaign_page(ctx, campaign_id=campaign_id)
    context = {
        "campaign": view.campaign, "progress": progress(view.campaign.phase), "trainings": view.trainings,
        "flash": flash, "errors": errors or {}, "offers": view.offers, "leads": view.leads,
        "values": values or {"until": local_input(view.deadline, ctx.settings.tz)},
        "deciding": view.campaign.step == "deciding", "plan_labels": PLAN_LABELS, "workflow_id": view.workflow_id,
    }
    if view.staff_view:
        return page(request, "campaign_board.html", ctx.user, status_code=status_code, **context,
                    not_acted=view.not_acted, creator=view.creator, organiser_choices=view.organiser_choices,
                    themes=view.themes, phase_chart=view.phase_chart)
    listing = view.problems
    return page(request, "campaign_teacher.html", ctx.user, status_code=status_code, **context,
                problems=listing.problems, voted=listing.voted, authors=listing.authors, votes_left=view.votes_left)


@router.get("/campaigns/{campaign_id}")
async def campaign_detail(request: Request, campaign_id: Id, ctx: ConsoleContext, done: str = ""):
    return await campaign_page(request, ctx, campaign_id, flash=DONE.get(done, ""))


# ---- the staff's decisions on phases ----------------------------------------------------------


async def steer(request: Request, ctx, campaign_id: int, act: Callable[[], Awaitable[object]], *, done: str,
                 field: str = FORM, values: dict | None = None):
    """Run the action; on a refusal show the campaign's page with the reason next to the field."""
    try:
        await act()
    except StillRunning:
        return RedirectResponse(board_url(campaign_id, "pending"), status_code=303)
    except (ValidationError, DomainError) as exc:
        status_code, errors = errors_of(exc, field=field)
        return await campaign_page(request, ctx, campaign_id, status_code=status_code, errors=errors, values=values)
    return RedirectResponse(board_url(campaign_id, done), status_code=303)


# The board's forms carry the phase (and deadline) the page showed: a click on a stale page is
# refused with the phase the campaign is in now, never applied to the next phase.
@router.post("/campaigns/{campaign_id}/phase/close", dependencies=[CsrfChecked], summary="提前结束当前阶段")
async def close_phase(request: Request, campaign_id: Id, ctx: ConsoleContext, phase: Annotated[str, Form()] = ""):
    return await steer(request, ctx, campaign_id,
                        lambda: campaigns.close_phase(ctx, campaign_id=campaign_id, data=CloseIn(phase=phase or None)),
                        done="close")


@router.post("/campaigns/{campaign_id}/phase/extend", dependencies=[CsrfChecked], summary="延长截止时间")
async def extend_phase(request: Request, campaign_id: Id, ctx: ConsoleContext, until: Annotated[str, Form()] = "",
                       phase: Annotated[str, Form()] = "", deadline: Annotated[str, Form()] = ""):
    async def extend():
        when = local_datetime(until, ctx.settings.tz)
        if when is None:
            raise InvalidField("until", "请选择新的截止时间")
        data = ExtendIn(until=when, phase=phase or None, deadline=deadline or None)
        return await campaigns.extend_phase(ctx, campaign_id=campaign_id, data=data)

    return await steer(request, ctx, campaign_id, extend, done="extend", field="until", values={"until": until})


@router.post("/campaigns/{campaign_id}/cancel", dependencies=[CsrfChecked], summary="取消活动")
async def cancel_campaign(request: Request, campaign_id: Id, ctx: ConsoleContext,
                          reason: Annotated[str, Form()] = ""):
    async def cancel():
        return await campaigns.cancel(ctx, campaign_id=campaign_id, reason=CancelIn(reason=reason).reason)

    return await steer(request, ctx, campaign_id, cancel, done="cancel", field="reason", values={"reason": reason})


# ---- co-organisers (the creator's or an admin's choice) ----------------------------------------


@router.post("/campaigns/{campaign_id}/organisers", dependencies=[CsrfChecked], summary="添加协同组织者")
async def add_organiser(request: Request, campaign_id: Id, ctx: ConsoleContext,
                        user_id: Annotated[str, Form()] = ""):
    async def add():
        if not user_id:
            raise InvalidField("user_id", "请选择一位教研员")
        chosen = OrganiserIn(user_id=user_id)  # a number past 64 bits is a 422, as in the API
        return await campaigns.add_organiser(ctx, campaign_id=campaign_id, user_id=chosen.user_id)

    return await steer(request, ctx, campaign_id, add, done="organiser_added", field="user_id")


@router.post("/campaigns/{campaign_id}/organisers/{user_id}/remove", dependencies=[CsrfChecked], summary="移除协同组织者")
async def remove_organiser(request: Request, campaign_id: Id, user_id: Id, ctx: ConsoleContext):
    return await steer(request, ctx, campaign_id,
                        lambda: campaigns.remove_organiser(ctx, campaign_id=campaign_id, user_id=user_id),
                        done="organiser_removed")
