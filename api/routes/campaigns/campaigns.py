"""Order-style research campaigns (订单式教研): each route parses, calls its action in
actions/campaigns/actions.py (which decides who may), and answers."""

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response, status
from fastapi.responses import HTMLResponse, PlainTextResponse

from actions.campaigns import actions as campaigns
from api.audit import set_audit_subject
from api.deps import ContextDep, PageDep
from api.pending import RUN_PENDING_RESPONSE, created_or_pending
from contracts.campaigns.api import (
    CampaignDetail, CampaignIn, CampaignOrganiserOut, CampaignOut, CampaignStatus, CancelIn, CloseIn, ExtendIn,
    OrganiserIn, PlanDecision, PlanOut, ProblemIn, ProblemMove, ProblemOut, ProblemUpdate, ProposalSplit,
    ProposalsMerge, ReflectionIn, SecondIn, SecondOut, SimilarProblem, SimilarText, StageOut, SummaryIn, TopicOut,
    TopicProposal, TopicsConfirm, TrainingOut, VoteOut,
)
from contracts.campaigns.history import Phase, PhaseChange, PlanIn, TrainingIn
from contracts.directory.api import Page
from contracts.limits import Id

router = APIRouter(prefix="/campaigns", tags=["campaigns"])


@router.post("", response_model=CampaignOut, status_code=status.HTTP_201_CREATED, responses=RUN_PENDING_RESPONSE,
             summary="发起订单式教研")
async def create_campaign(request: Request, data: CampaignIn, ctx: ContextDep):
    """Staff, admin: launch a campaign for a scope; its workflow starts at once (201). With Temporal
    unreachable: 202, the campaign is stored and its workflow starts when Temporal is back."""
    launched = await campaigns.launch(ctx, data=data)
    set_audit_subject(request, "campaigns", launched.id)
    return created_or_pending(launched)


@router.get("", response_model=Page[CampaignOut])
async def list_campaigns(ctx: ContextDep, paging: PageDep, status: CampaignStatus | None = None,
                         phase: Phase | None = None, subject: str | None = None, cluster_id: Id | None = None):
    """Everyone: staff and admins see all campaigns, teachers those they are in."""
    return await campaigns.list_campaigns(ctx, status=status, phase=phase, subject=subject, cluster_id=cluster_id,
                                          offset=paging.offset, limit=paging.limit)


@router.get("/{campaign_id}", response_model=CampaignDetail)
async def read_campaign(campaign_id: Id, ctx: ContextDep):
    """Staff, admin, teachers in scope: phase, deadlines, counts, topics, co-organisers; a teacher's own
    open tasks."""
    return await campaigns.read_campaign(ctx, campaign_id=campaign_id)


# ---- co-organisers --------------------------------------------------------------------------


@router.post("/{campaign_id}/organisers", response_model=list[CampaignOrganiserOut],
             status_code=status.HTTP_201_CREATED, summary="添加协同组织者")
async def add_organiser(campaign_id: Id, data: OrganiserIn, ctx: ContextDep):
    """The campaign's creator, admin: a research staff member steers the campaign with them
    (adding one twice keeps the first); answers the co-organisers."""
    return await campaigns.add_organiser(ctx, campaign_id=campaign_id, user_id=data.user_id)


@router.delete("/{campaign_id}/organisers/{user_id}", status_code=status.HTTP_204_NO_CONTENT, summary="移除协同组织者")
async def remove_organiser(campaign_id: Id, user_id: Id, ctx: ContextDep):
    """The campaign's creator, admin: the co-organiser no longer steers it (staff still read it)."""
    await campaigns.remove_organiser(ctx, campaign_id=campaign_id, user_id=user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ---- problems and votes (teachers, collect_topics) ------------------------------------------


@router.post("/{campaign_id}/problems", response_model=ProblemOut, status_code=status.HTTP_201_CREATED,
             summary="提交教学问题")
async def submit_problem(campaign_id: Id, data: ProblemIn, ctx: ContextDep):
    """Teachers in scope, while problems are collected."""
    return await campaigns.submit_problem(ctx, campaign_id=campaign_id, data=data)


@router.get("/{campaign_id}/problems", response_model=Page[ProblemOut])
async def list_problems(campaign_id: Id, ctx: ContextDep, paging: PageDep, mine: bool = False):
    """Staff, admin, teachers in scope: the live problems, most voted first."""
    return await campaigns.list_problems(ctx, campaign_id=campaign_id, mine=mine, offset=paging.offset,
                                         limit=paging.limit)


@router.get("/{campaign_id}/problems/similar", response_model=list[SimilarProblem])
async def similar_problems(campaign_id: Id, ctx: ContextDep, text: Annotated[SimilarText, Query()]):
    """Staff, admin, teachers in scope, while problems are collected: the few live problems most like
    `text` (what a teacher is writing), most similar first; of each only its title, description and
    votes, and whether the asking teacher wrote it or has already voted for it."""
    return await campaigns.similar_problems(ctx, campaign_id=campaign_id, text=text)


@router.patch("/{campaign_id}/problems/{problem_id}", response_model=ProblemOut, summary="修改教学问题")
async def edit_problem(campaign_id: Id, problem_id: Id, data: ProblemUpdate, ctx: ContextDep):
    """The author, until collection closes."""
    return await campaigns.edit_problem(ctx, campaign_id=campaign_id, problem_id=problem_id, data=data)


@router.delete("/{campaign_id}/problems/{problem_id}", status_code=status.HTTP_204_NO_CONTENT, summary="撤回教学问题")
async def withdraw_problem(campaign_id: Id, problem_id: Id, ctx: ContextDep):
    """The author, until collection closes: withdraws the problem (its votes return to the voters)."""
    await campaigns.withdraw_problem(ctx, campaign_id=campaign_id, problem_id=problem_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{campaign_id}/problems/{problem_id}/votes", response_model=VoteOut, status_code=status.HTTP_201_CREATED,
             summary="投票")
async def vote(campaign_id: Id, problem_id: Id, ctx: ContextDep):
    """Teachers in scope: one vote per problem, within the campaign's vote budget."""
    return await campaigns.vote(ctx, campaign_id=campaign_id, problem_id=problem_id)


@router.post("/{campaign_id}/problems/{problem_id}/seconds", response_model=SecondOut,
             status_code=status.HTTP_201_CREATED, summary="附议")
async def second(campaign_id: Id, problem_id: Id, ctx: ContextDep, data: SecondIn | None = None):
    """Teachers in scope, while problems are collected: second a problem instead of writing it again:
    her vote on it (within the vote budget: past it, the vote's 409) and optionally her own words,
    shown to staff with the problem. Seconding again takes no other vote; new words replace hers."""
    return await campaigns.second(ctx, campaign_id=campaign_id, problem_id=problem_id, data=data or SecondIn())


@router.delete("/{campaign_id}/problems/{problem_id}/votes", status_code=status.HTTP_204_NO_CONTENT, summary="撤回投票")
async def unvote(campaign_id: Id, problem_id: Id, ctx: ContextDep):
    """Teachers in scope: take a vote back while collection is open."""
    await campaigns.unvote(ctx, campaign_id=campaign_id, problem_id=problem_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ---- topics ---------------------------------------------------------------------------------


@router.get("/{campaign_id}/topic-proposals", response_model=list[TopicProposal])
async def topic_proposals(campaign_id: Id, ctx: ContextDep):
    """Staff, admin (reading): the groups proposed when collection closed, with the terms they share."""
    return await campaigns.topic_proposals(ctx, campaign_id=campaign_id)


@router.post("/{campaign_id}/topic-proposals/merge", response_model=list[TopicProposal], summary="合并专题建议")
async def merge_proposals(campaign_id: Id, data: ProposalsMerge, ctx: ContextDep):
    """The campaign's creator and co-organisers, admin, while deciding: the proposals holding these problems become one; answers all proposals."""
    return await campaigns.merge_proposals(ctx, campaign_id=campaign_id, data=data)


@router.post("/{campaign_id}/topic-proposals/move", response_model=list[TopicProposal], summary="调整问题归属")
async def move_problem(campaign_id: Id, data: ProblemMove, ctx: ContextDep):
    """The campaign's creator and co-organisers, admin, while deciding: move a problem into another proposal (or one of its own)."""
    return await campaigns.move_problem(ctx, campaign_id=campaign_id, data=data)


@router.post("/{campaign_id}/topic-proposals/split", response_model=list[TopicProposal], summary="拆分专题建议")
async def split_proposal(campaign_id: Id, data: ProposalSplit, ctx: ContextDep):
    """The campaign's creator and co-organisers, admin, while deciding: these problems leave their proposal and become a new one."""
    return await campaigns.split_proposal(ctx, campaign_id=campaign_id, data=data)


@router.post("/{campaign_id}/topics", response_model=list[TopicOut], status_code=status.HTTP_201_CREATED,
             summary="确认专题")
async def confirm_topics(campaign_id: Id, data: TopicsConfirm, ctx: ContextDep):
    """The campaign's creator and co-organisers, admin: confirm the final topics (title, member problems, lead) once collection closed."""
    return await campaigns.confirm_topics(ctx, campaign_id=campaign_id, topics=data.topics)


@router.get("/{campaign_id}/topics", response_model=list[TopicOut])
async def list_topics(campaign_id: Id, ctx: ContextDep):
    """Staff, admin, teachers in scope."""
    return await campaigns.list_topics(ctx, campaign_id=campaign_id)


# ---- trainings ------------------------------------------------------------------------------


@router.post("/{campaign_id}/trainings", response_model=TrainingOut, status_code=status.HTTP_201_CREATED,
             summary="安排培训")
async def schedule_training(campaign_id: Id, data: TrainingIn, ctx: ContextDep):
    """The campaign's creator and co-organisers, admin: a training for a topic; its participants are invited and reminded."""
    return await campaigns.schedule_training(ctx, campaign_id=campaign_id, data=data)


@router.get("/{campaign_id}/trainings", response_model=list[TrainingOut])
async def list_trainings(campaign_id: Id, ctx: ContextDep):
    """Staff, admin, teachers in scope."""
    return await campaigns.list_trainings(ctx, campaign_id=campaign_id)


@router.get("/{campaign_id}/trainings/{training_id}/absentees", response_model=dict[str, list[str]])
async def training_absentees(campaign_id: Id, training_id: Id, ctx: ContextDep):
    """Staff, admin: participants who did not check in, by school."""
    return await campaigns.training_absentees(ctx, campaign_id=campaign_id, training_id=training_id)


# ---- plans, stages, summaries (topic leads) -------------------------------------------------


@router.put("/{campaign_id}/topics/{topic_id}/plan", response_model=PlanOut, summary="提交研究方案")
async def submit_plan(campaign_id: Id, topic_id: Id, data: PlanIn, ctx: ContextDep):
    """The topic lead: submit (or resubmit after a return) the research plan."""
    return await campaigns.submit_plan(ctx, campaign_id=campaign_id, topic_id=topic_id, data=data)


@router.get("/{campaign_id}/topics/{topic_id}/plan", response_model=PlanOut)
async def read_plan(campaign_id: Id, topic_id: Id, ctx: ContextDep):
    """Staff, admin, teachers in scope."""
    return await campaigns.read_plan(ctx, campaign_id=campaign_id, topic_id=topic_id)


@router.post("/{campaign_id}/topics/{topic_id}/plan/approve", response_model=PlanOut, summary="批准研究方案")
async def approve_plan(campaign_id: Id, topic_id: Id, ctx: ContextDep, decision: PlanDecision | None = None):
    """The campaign's creator and co-organisers, admin: approve; every stage's assignees get their tasks."""
    return await campaigns.decide_plan(ctx, campaign_id=campaign_id, topic_id=topic_id, approve=True,
                                       comment=(decision or PlanDecision()).comment)


@router.post("/{campaign_id}/topics/{topic_id}/plan/return", response_model=PlanOut, summary="退回研究方案")
async def return_plan(campaign_id: Id, topic_id: Id, decision: PlanDecision, ctx: ContextDep):
    """The campaign's creator and co-organisers, admin: return the plan to its lead with a comment."""
    return await campaigns.decide_plan(ctx, campaign_id=campaign_id, topic_id=topic_id, approve=False,
                                       comment=decision.comment)


@router.post("/{campaign_id}/stages/{stage_id}/done", response_model=StageOut, summary="标记阶段完成")
async def mark_stage_done(campaign_id: Id, stage_id: Id, ctx: ContextDep):
    """The topic lead: mark a stage of the approved plan done (its open tasks stop being chased)."""
    return await campaigns.mark_stage_done(ctx, campaign_id=campaign_id, stage_id=stage_id)


@router.put("/{campaign_id}/topics/{topic_id}/summary", response_model=TopicOut, summary="撰写专题总结")
async def write_summary(campaign_id: Id, topic_id: Id, data: SummaryIn, ctx: ContextDep):
    """The topic lead, in practise or reflect: what worked and what did not, for the report."""
    return await campaigns.write_summary(ctx, campaign_id=campaign_id, topic_id=topic_id, data=data)


# ---- reflections ----------------------------------------------------------------------------


@router.post("/{campaign_id}/reflections", status_code=status.HTTP_201_CREATED, summary="提交反思")
async def reflect(campaign_id: Id, data: ReflectionIn, ctx: ContextDep) -> dict[str, int]:
    """Teachers in scope, in the reflect phase: one reflection each (writing again replaces it)."""
    reflection = await campaigns.reflect(ctx, campaign_id=campaign_id, data=data)
    return {"id": reflection.id}


# ---- steering the phases (staff) ------------------------------------------------------------


@router.post("/{campaign_id}/phase/close", response_model=PhaseChange, summary="提前结束当前阶段")
async def close_phase(campaign_id: Id, ctx: ContextDep, data: CloseIn | None = None):
    """The campaign's creator and co-organisers, admin: close the current phase now; answers where the campaign moved to. Send
    `{"phase": ...}` to close only that phase: if the campaign has moved on, 409 names its phase."""
    return await campaigns.close_phase(ctx, campaign_id=campaign_id, data=data or CloseIn())


@router.post("/{campaign_id}/phase/extend", response_model=PhaseChange, summary="延长截止时间")
async def extend_phase(campaign_id: Id, data: ExtendIn, ctx: ContextDep):
    """The campaign's creator and co-organisers, admin: move the current phase's deadline later; reminders re-arm for it. `phase` and
    `deadline` (optional) say what the caller saw: if either changed meanwhile, 409."""
    return await campaigns.extend_phase(ctx, campaign_id=campaign_id, data=data)


@router.post("/{campaign_id}/cancel", response_model=PhaseChange, summary="取消活动")
async def cancel_campaign(campaign_id: Id, data: CancelIn, ctx: ContextDep):
    """The campaign's creator and co-organisers, admin: cancel with a reason; everyone in scope is told."""
    return await campaigns.cancel(ctx, campaign_id=campaign_id, reason=data.reason)


# ---- the report -----------------------------------------------------------------------------


@router.get("/{campaign_id}/report", response_class=HTMLResponse,
            responses={200: {"content": {"text/html": {}, "text/markdown": {}, "application/pdf": {}}}})
async def report(campaign_id: Id, ctx: ContextDep, accept: Annotated[str, Header()] = "text/html"):
    """Staff, admin, teachers in scope: HTML, Markdown with `Accept: text/markdown`, or PDF with
    `Accept: application/pdf`. Rendered once at completion; before that, a live draft."""
    if "application/pdf" in accept:
        return Response(await campaigns.report_pdf(ctx, campaign_id=campaign_id), media_type="application/pdf")
    html, markdown = await campaigns.report(ctx, campaign_id=campaign_id)
    if "markdown" in accept:
        return PlainTextResponse(markdown, media_type="text/markdown; charset=utf-8")
    return HTMLResponse(html)
