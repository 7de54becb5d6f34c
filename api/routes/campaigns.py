"""Order-style research campaigns (订单式教研). Teachers' actions are stored here under the phase
guard; staff decisions and topic leads' plans go to the campaign's workflow as Updates."""

from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Request, Response, status
from fastapi.responses import HTMLResponse, PlainTextResponse
from sqlalchemy import select

from api.audit import set_audit_subject
from api.clock import NowDep
from api.deps import CurrentUser, PageDep, SessionDep, SettingsDep, StaffUser, TeacherUser, TemporalDep
from contracts.campaigns import (
    CampaignDetail, CampaignIn, CampaignOut, CampaignStatus, CancelIn, CancelRequest, CloseRequest, ExtendIn,
    ExtendRequest, Phase, PhaseChange, PlanDecision, PlanIn, PlanOut, PlanStatus, ProblemIn, ProblemOut,
    ProblemUpdate, ReflectionIn, StageOut, SummaryIn, TopicOut, TopicProposal, TopicsConfirm, TrainingIn, TrainingOut,
    TrainingRequest, VoteOut,
)
from contracts.directory import Page, Role
from models import Campaign, CampaignMember, Plan, PlanStage, Problem, Training, User
from services import campaign_actions, campaign_flow, campaign_report, campaign_runs, campaign_views, campaigns
from services.directory import page
from workflows.campaign import CampaignWorkflow

router = APIRouter(prefix="/campaigns", tags=["campaigns"])


def _forbidden(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_403_FORBIDDEN, detail=detail)


async def _campaign(session: SessionDep, campaign_id: int, user: User) -> Campaign:
    return await campaigns.visible_campaign(session, campaign_id=campaign_id, user=user)


async def _member(session: SessionDep, campaign_id: int, user: User) -> CampaignMember:
    return await campaigns.require_member(session, campaign_id=campaign_id, user=user)


async def _out(session: SessionDep, campaign: Campaign) -> CampaignOut:
    return await campaign_views.campaign_out(session, campaign)


def _problem_out(problem: Problem) -> ProblemOut:
    return ProblemOut.model_validate(problem)


@router.post("", response_model=CampaignOut, status_code=status.HTTP_201_CREATED)
async def create_campaign(request: Request, data: CampaignIn, session: SessionDep, temporal: TemporalDep,
                          settings: SettingsDep, user: StaffUser, now: NowDep):
    """Staff, admin: launch a campaign for a scope; its workflow starts at once."""
    campaign = await campaign_runs.launch(session, temporal, settings=settings, data=data, by=user, now=now)
    set_audit_subject(request, "campaigns", campaign.id)
    return await _out(session, campaign)


@router.get("", response_model=Page[CampaignOut])
async def list_campaigns(session: SessionDep, user: CurrentUser, paging: PageDep, status: CampaignStatus | None = None,
                         phase: Phase | None = None, subject: str | None = None, cluster_id: int | None = None):
    """Everyone: staff and admins see all campaigns, teachers those they are in."""
    stmt = campaigns.campaigns_query(status=status, phase=phase, subject=subject, cluster_id=cluster_id,
                                     member_user_id=user.id if user.role == Role.teacher else None)
    items, total = await page(session, stmt=stmt, offset=paging.offset, limit=paging.limit)
    return Page(items=[await _out(session, c) for c in items], total=total, offset=paging.offset, limit=paging.limit)


@router.get("/{campaign_id}", response_model=CampaignDetail)
async def read_campaign(campaign_id: int, session: SessionDep, user: CurrentUser):
    """Staff, admin, teachers in scope: phase, deadlines, counts, topics; a teacher's own open tasks."""
    campaign = await _campaign(session, campaign_id, user)
    return await campaign_views.campaign_detail(session, campaign, user_id=user.id)


# ---- problems and votes (teachers, collect_topics) ------------------------------------------


@router.post("/{campaign_id}/problems", response_model=ProblemOut, status_code=status.HTTP_201_CREATED)
async def submit_problem(campaign_id: int, data: ProblemIn, session: SessionDep, user: TeacherUser):
    """Teachers in scope, while problems are collected."""
    member = await _member(session, campaign_id, user)
    problem = await campaigns.submit_problem(session, campaign_id=campaign_id, member=member, data=data)
    await session.commit()
    return _problem_out(problem)


@router.get("/{campaign_id}/problems", response_model=Page[ProblemOut])
async def list_problems(campaign_id: int, session: SessionDep, user: CurrentUser, paging: PageDep,
                        mine: bool = False):
    """Staff, admin, teachers in scope: the live problems, most voted first."""
    await _campaign(session, campaign_id, user)
    stmt = campaigns.live_problems(campaign_id).order_by(Problem.votes.desc(), Problem.id)
    if mine:
        stmt = stmt.where(Problem.author_user_id == user.id)
    items, total = await page(session, stmt=stmt, offset=paging.offset, limit=paging.limit)
    return Page(items=[_problem_out(p) for p in items], total=total, offset=paging.offset, limit=paging.limit)


async def _own_problem(session: SessionDep, campaign_id: int, problem_id: int, user: User) -> Problem:
    problem = await campaigns.get_problem(session, campaign_id=campaign_id, problem_id=problem_id)
    if problem.author_user_id != user.id:
        raise _forbidden("只能修改自己提交的问题 (only the author may change a problem)")
    return problem


@router.patch("/{campaign_id}/problems/{problem_id}", response_model=ProblemOut)
async def edit_problem(campaign_id: int, problem_id: int, data: ProblemUpdate, session: SessionDep, user: TeacherUser):
    """The author, until collection closes."""
    problem = await _own_problem(session, campaign_id, problem_id, user)
    await campaigns.edit_problem(session, problem=problem, data=data)
    await session.commit()
    return _problem_out(problem)


@router.delete("/{campaign_id}/problems/{problem_id}", status_code=status.HTTP_204_NO_CONTENT)
async def withdraw_problem(campaign_id: int, problem_id: int, session: SessionDep, user: TeacherUser, now: NowDep):
    """The author, until collection closes: withdraws the problem (its votes return to the voters)."""
    problem = await _own_problem(session, campaign_id, problem_id, user)
    await campaigns.withdraw_problem(session, problem=problem, now=now)
    await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{campaign_id}/problems/{problem_id}/votes", response_model=VoteOut, status_code=status.HTTP_201_CREATED)
async def vote(campaign_id: int, problem_id: int, session: SessionDep, user: TeacherUser):
    """Teachers in scope: one vote per problem, within the campaign's vote budget."""
    left = await campaign_actions.cast_vote(session, campaign_id=campaign_id, problem_id=problem_id, user=user)
    await session.commit()
    return VoteOut(problem_id=problem_id, votes_left=left)


@router.delete("/{campaign_id}/problems/{problem_id}/votes", status_code=status.HTTP_204_NO_CONTENT)
async def unvote(campaign_id: int, problem_id: int, session: SessionDep, user: TeacherUser):
    """Teachers in scope: take a vote back while collection is open."""
    await campaign_actions.take_back_vote(session, campaign_id=campaign_id, problem_id=problem_id, user=user)
    await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ---- topics ---------------------------------------------------------------------------------


@router.get("/{campaign_id}/topic-proposals", response_model=list[TopicProposal])
async def topic_proposals(campaign_id: int, session: SessionDep, _: StaffUser):
    """Staff, admin: the groups proposed when collection closed, with the terms they share."""
    await campaigns.get_campaign(session, campaign_id)
    return await campaign_views.topic_proposals(session, campaign_id)


@router.post("/{campaign_id}/topics", response_model=list[TopicOut], status_code=status.HTTP_201_CREATED)
async def confirm_topics(campaign_id: int, data: TopicsConfirm, session: SessionDep, temporal: TemporalDep,
                         user: StaffUser):
    """Staff, admin: confirm the final topics (title, member problems, lead) once collection closed."""
    await campaign_actions.confirm_topics(session, temporal, campaign_id=campaign_id, topics=data.topics, user=user)
    return await campaigns.topics_out(session, campaign_id)


@router.get("/{campaign_id}/topics", response_model=list[TopicOut])
async def list_topics(campaign_id: int, session: SessionDep, user: CurrentUser):
    """Staff, admin, teachers in scope."""
    await _campaign(session, campaign_id, user)
    return await campaigns.topics_out(session, campaign_id)


# ---- trainings ------------------------------------------------------------------------------


@router.post("/{campaign_id}/trainings", response_model=TrainingOut, status_code=status.HTTP_201_CREATED)
async def schedule_training(campaign_id: int, data: TrainingIn, session: SessionDep, temporal: TemporalDep,
                            user: StaffUser):
    """Staff, admin: a training for a topic; its participants are invited and reminded."""
    campaign = await campaigns.get_campaign(session, campaign_id)
    ref = await campaign_runs.steer(temporal, campaign=campaign, update=CampaignWorkflow.schedule_training,
                                    arg=TrainingRequest(user_id=user.id, training=data))
    return TrainingOut.model_validate(await session.get(Training, ref.id))


@router.get("/{campaign_id}/trainings", response_model=list[TrainingOut])
async def list_trainings(campaign_id: int, session: SessionDep, user: CurrentUser):
    """Staff, admin, teachers in scope."""
    await _campaign(session, campaign_id, user)
    rows = await session.scalars(select(Training).where(Training.campaign_id == campaign_id).order_by(Training.starts_at))
    return [TrainingOut.model_validate(t) for t in rows]


@router.get("/{campaign_id}/trainings/{training_id}/absentees", response_model=dict[str, list[str]])
async def training_absentees(campaign_id: int, training_id: int, session: SessionDep, _: StaffUser):
    """Staff, admin: participants who did not check in, by school."""
    await campaign_actions.get_training(session, training_id, campaign_id=campaign_id)
    return await campaign_flow.absentees_by_school(session, training_id=training_id)


# ---- plans, stages, summaries (topic leads) -------------------------------------------------


async def _led_topic(session: SessionDep, campaign_id: int, topic_id: int, user: User):
    return await campaign_actions.led_topic(session, campaign_id=campaign_id, topic_id=topic_id, user=user)


@router.put("/{campaign_id}/topics/{topic_id}/plan", response_model=PlanOut)
async def submit_plan(campaign_id: int, topic_id: int, data: PlanIn, session: SessionDep, temporal: TemporalDep,
                      user: CurrentUser, now: NowDep):
    """The topic lead: submit (or resubmit after a return) the research plan."""
    await campaign_actions.submit_plan(session, temporal, campaign_id=campaign_id, topic_id=topic_id, data=data,
                                       user=user, now=now)
    return await _plan_out(session, topic_id)


@router.get("/{campaign_id}/topics/{topic_id}/plan", response_model=PlanOut)
async def read_plan(campaign_id: int, topic_id: int, session: SessionDep, user: CurrentUser):
    """Staff, admin, teachers in scope."""
    await _campaign(session, campaign_id, user)
    await campaigns.get_topic(session, campaign_id=campaign_id, topic_id=topic_id)
    return await _plan_out(session, topic_id)


async def _plan_out(session: SessionDep, topic_id: int) -> PlanOut:
    plan = await campaign_views.plan_out(session, topic_id)
    if plan is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "方案尚未提交 (no plan yet)")
    return plan


async def _verdict(campaign_id: int, topic_id: int, session: SessionDep, temporal: TemporalDep, user: User,
                   decision: PlanDecision, approve: bool) -> PlanOut:
    await campaign_actions.decide_plan(session, temporal, campaign_id=campaign_id, topic_id=topic_id, user=user,
                                       approve=approve, comment=decision.comment)
    return await _plan_out(session, topic_id)


@router.post("/{campaign_id}/topics/{topic_id}/plan/approve", response_model=PlanOut)
async def approve_plan(campaign_id: int, topic_id: int, session: SessionDep, temporal: TemporalDep, user: StaffUser,
                       decision: PlanDecision | None = None):
    """Staff, admin: approve; every stage's assignees get their tasks."""
    return await _verdict(campaign_id, topic_id, session, temporal, user, decision or PlanDecision(),
                          approve=True)


@router.post("/{campaign_id}/topics/{topic_id}/plan/return", response_model=PlanOut)
async def return_plan(campaign_id: int, topic_id: int, decision: PlanDecision, session: SessionDep,
                      temporal: TemporalDep, user: StaffUser):
    """Staff, admin: return the plan to its lead with a comment."""
    return await _verdict(campaign_id, topic_id, session, temporal, user, decision, approve=False)


@router.post("/{campaign_id}/stages/{stage_id}/done", response_model=StageOut)
async def mark_stage_done(campaign_id: int, stage_id: int, session: SessionDep, user: CurrentUser, now: NowDep):
    """The topic lead: mark a stage of the approved plan done (its open tasks stop being chased)."""
    stage = await session.get(PlanStage, stage_id)
    plan = await session.get(Plan, stage.plan_id) if stage else None
    if plan is None or plan.campaign_id != campaign_id or plan.status != PlanStatus.approved:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"阶段 {stage_id} 不存在 (no such stage of an approved plan)")
    await _led_topic(session, campaign_id, plan.topic_id, user)
    await campaigns.mark_stage_done(session, stage=stage, campaign_id=campaign_id, by=user.id, now=now)
    await session.commit()
    return StageOut.model_validate(stage)


@router.put("/{campaign_id}/topics/{topic_id}/summary", response_model=TopicOut)
async def write_summary(campaign_id: int, topic_id: int, data: SummaryIn, session: SessionDep, user: CurrentUser,
                        now: NowDep):
    """The topic lead, in practise or reflect: what worked and what did not, for the report."""
    topic = await _led_topic(session, campaign_id, topic_id, user)
    await campaigns.write_summary(session, topic=topic, data=data, now=now)
    await session.commit()
    return next(t for t in await campaigns.topics_out(session, campaign_id) if t.id == topic_id)


# ---- reflections ----------------------------------------------------------------------------


@router.post("/{campaign_id}/reflections", status_code=status.HTTP_201_CREATED)
async def reflect(campaign_id: int, data: ReflectionIn, session: SessionDep, user: TeacherUser) -> dict[str, int]:
    """Teachers in scope, in the reflect phase: one reflection each (writing again replaces it)."""
    await _member(session, campaign_id, user)
    reflection = await campaigns.reflect(session, campaign_id=campaign_id, user_id=user.id, data=data)
    await session.commit()
    return {"id": reflection.id}


# ---- steering the phases (staff) ------------------------------------------------------------


@router.post("/{campaign_id}/phase/close", response_model=PhaseChange)
async def close_phase(campaign_id: int, session: SessionDep, temporal: TemporalDep, user: StaffUser):
    """Staff, admin: close the current phase now; answers where the campaign moved to."""
    campaign = await campaigns.get_campaign(session, campaign_id)
    return await campaign_runs.steer(temporal, campaign=campaign, update=CampaignWorkflow.close_phase,
                                     arg=CloseRequest(user_id=user.id))


@router.post("/{campaign_id}/phase/extend", response_model=PhaseChange)
async def extend_phase(campaign_id: int, data: ExtendIn, session: SessionDep, temporal: TemporalDep, user: StaffUser):
    """Staff, admin: move the current phase's deadline later; reminders re-arm for it."""
    campaign = await campaigns.get_campaign(session, campaign_id)
    return await campaign_runs.steer(temporal, campaign=campaign, update=CampaignWorkflow.extend_phase,
                                     arg=ExtendRequest(user_id=user.id, until=data.until))


@router.post("/{campaign_id}/cancel", response_model=PhaseChange)
async def cancel_campaign(campaign_id: int, data: CancelIn, session: SessionDep, temporal: TemporalDep,
                          user: StaffUser):
    """Staff, admin: cancel with a reason; everyone in scope is told."""
    campaign = await campaigns.get_campaign(session, campaign_id)
    return await campaign_runs.steer(temporal, campaign=campaign, update=CampaignWorkflow.cancel,
                                     arg=CancelRequest(user_id=user.id, reason=data.reason))


# ---- the report -----------------------------------------------------------------------------


@router.get("/{campaign_id}/report", response_class=HTMLResponse,
            responses={200: {"content": {"text/html": {}, "text/markdown": {}}}})
async def report(campaign_id: int, session: SessionDep, settings: SettingsDep, user: CurrentUser,
                 accept: Annotated[str, Header()] = "text/html"):
    """Staff, admin, teachers in scope: HTML, or Markdown with `Accept: text/markdown`. Rendered
    once at completion; before that, a live draft."""
    campaign = await _campaign(session, campaign_id, user)
    html, markdown = await campaign_report.report_of(session, campaign=campaign, tz=settings.tz)
    if "markdown" in accept:
        return PlainTextResponse(markdown, media_type="text/markdown; charset=utf-8")
    return HTMLResponse(html)
