"""The campaign report (活动报告), rendered with Jinja2 as HTML and Markdown from the tables."""

import base64
import hashlib
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.campaigns.api import CampaignStatus
from contracts.markdown import markdown_text
from models import (
    Campaign, CampaignMember, CheckIn, Cluster, Plan, PlanStage, Problem, Reflection, School, Task, Topic,
    TopicParticipant, Training, User, Vote,
)
from services.campaigns.flow import absentees_by_school
from services.campaigns.service import live_problems, phase_windows

REFLECTIONS_SHOWN = 300  # a county campaign has thousands; the report quotes this many
# The report is a document of its own (printed, forwarded), so its style travels inside it; the
# Content-Security-Policy allows exactly this style by its hash (api/security_headers.py).
# Wide tables scroll in their own box, so the page keeps to a phone's width at 200 % text.
REPORT_STYLE = ("body{font-family:sans-serif;max-width:960px;margin:2em auto;padding:0 1em;line-height:1.5;"
                "overflow-wrap:anywhere}table{border-collapse:collapse;display:block;overflow-x:auto}"
                "td,th{border:1px solid #ccc;padding:.2em .5em}")
REPORT_STYLE_SOURCE = "'sha256-" + base64.b64encode(hashlib.sha256(REPORT_STYLE.encode()).digest()).decode() + "'"
STATUS_LABELS = {CampaignStatus.running: "进行中", CampaignStatus.completed: "已完成", CampaignStatus.cancelled: "已取消"}


def _markdown_value(value: Any) -> Any:
    return markdown_text(value, inline=True) if isinstance(value, str) else value


def _environment(tz: ZoneInfo, *, html: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "report_templates"),
        autoescape=html,  # the templates end in .html.j2 / .md.j2: say it, rather than match names
        # Markdown has no autoescape: every value the template prints goes through the product's
        # one Markdown rule, on one line (each sits in a heading, a list item or a table cell).
        finalize=None if html else _markdown_value,
        trim_blocks=False, keep_trailing_newline=True,
    )
    env.filters["when"] = lambda value: value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else ""
    return env


async def _names(session: AsyncSession, user_ids: set[int]) -> dict[int, str]:
    rows = await session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids)))
    return dict(rows.all())


async def _school_names(session: AsyncSession) -> dict[int, str]:
    return dict((await session.execute(select(School.id, School.name))).all())


async def _topic_section(session: AsyncSession, topic: Topic, names: dict[int, str], schools: dict[int, str]
                         ) -> dict[str, Any]:
    problems = (await session.scalars(select(Problem).where(Problem.id.in_(topic.problem_ids))
                                      .order_by(Problem.votes.desc(), Problem.id))).all()
    trainings = []
    for training in await session.scalars(select(Training).where(Training.topic_id == topic.id).order_by(Training.starts_at)):
        present = await session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.training_id == training.id))
        invited = await session.scalar(select(func.count()).select_from(TopicParticipant).where(
            TopicParticipant.topic_id == topic.id))
        trainings.append({"title": training.title, "expert": training.expert, "starts_at": training.starts_at,
                          "present": present, "invited": invited,
                          "absent": await absentees_by_school(session, training_id=training.id)})
    plan = await session.scalar(select(Plan).where(Plan.topic_id == topic.id))
    stages = []
    if plan is not None:
        for stage in await session.scalars(select(PlanStage).where(PlanStage.plan_id == plan.id).order_by(PlanStage.position)):
            tasks = (await session.scalars(select(Task).where(Task.stage_id == stage.id))).all()
            stages.append({
                "title": stage.title, "due_at": stage.due_at, "done_at": stage.done_at,
                "on_time": sum(1 for t in tasks if t.delivered_at and t.delivered_at <= t.due_at),
                "late": sum(1 for t in tasks if t.delivered_at and t.delivered_at > t.due_at),
                "missing": sum(1 for t in tasks if t.delivered_at is None),
            })
    participants = await session.scalar(select(func.count()).select_from(TopicParticipant).where(
        TopicParticipant.topic_id == topic.id))
    return {
        "title": topic.title, "lead": names.get(topic.lead_user_id, str(topic.lead_user_id)),
        "participants": participants, "plan_status": str(topic.plan_status), "goal": plan.goal if plan else "",
        "problems": [{"title": p.title, "author": names.get(p.author_user_id, ""), "school": schools.get(p.school_id, ""),
                      "votes": p.votes} for p in problems],
        "trainings": trainings, "stages": stages,
        "worked": topic.summary_worked, "did_not_work": topic.summary_did_not_work,
    }


async def _participation(session: AsyncSession, campaign_id: int, schools: dict[int, str]) -> list[dict[str, Any]]:
    member_rows = (await session.execute(
        select(CampaignMember.user_id, CampaignMember.school_id, Cluster.name)
        .join(Cluster, Cluster.id == CampaignMember.cluster_id).where(CampaignMember.campaign_id == campaign_id))).all()
    school_of = {user_id: (cluster, school_id) for user_id, school_id, cluster in member_rows}

    def by_school(user_ids) -> Counter:
        return Counter(school_of[u] for u in set(user_ids) if u in school_of)

    members = by_school(school_of)
    authors = by_school(await session.scalars(live_problems(campaign_id).with_only_columns(Problem.author_user_id)))
    present = by_school(await session.scalars(select(CheckIn.user_id).where(CheckIn.campaign_id == campaign_id)))
    reflected = by_school(await session.scalars(select(Reflection.user_id).where(Reflection.campaign_id == campaign_id)))
    return [{"cluster": cluster, "school": schools.get(school_id, ""), "members": count,
             "authors": authors[(cluster, school_id)], "checked_in": present[(cluster, school_id)],
             "reflected": reflected[(cluster, school_id)]}
            for (cluster, school_id), count in sorted(members.items())]


async def report_context(session: AsyncSession, *, campaign: Campaign) -> dict[str, Any]:
    schools = await _school_names(session)
    topics = (await session.scalars(select(Topic).where(Topic.campaign_id == campaign.id).order_by(Topic.position))).all()
    problem_ids = [p for t in topics for p in t.problem_ids]
    authors = set(await session.scalars(select(Problem.author_user_id).where(Problem.id.in_(problem_ids))))
    reflections = (await session.execute(
        select(Reflection, CampaignMember.school_id).outerjoin(CampaignMember, (CampaignMember.user_id == Reflection.user_id)
                                                             & (CampaignMember.campaign_id == campaign.id))
        .where(Reflection.campaign_id == campaign.id).order_by(Reflection.id).limit(REFLECTIONS_SHOWN))).all()
    names = await _names(session, authors | {t.lead_user_id for t in topics} | {r.user_id for r, _ in reflections})
    count = lambda stmt: session.scalar(select(func.count()).select_from(stmt.subquery()))  # noqa: E731
    totals = {
        "members": await count(select(CampaignMember.user_id).where(CampaignMember.campaign_id == campaign.id)),
        "problems": await count(live_problems(campaign.id)),
        "votes": await count(select(Vote.user_id).where(Vote.campaign_id == campaign.id)),
        "participants": await count(select(TopicParticipant.user_id).where(
            TopicParticipant.campaign_id == campaign.id).distinct()),
        "reflections": await count(select(Reflection.id).where(Reflection.campaign_id == campaign.id)),
    }
    return {
        "c": campaign, "status_label": STATUS_LABELS[campaign.status], "totals": totals,
        "phases": [{**w.model_dump(), "label": w.phase.label} for w in await phase_windows(session, campaign.id)],
        "topics": [await _topic_section(session, t, names, schools) for t in topics],
        "participation": await _participation(session, campaign.id, schools),
        "reflections": [{"name": names.get(r.user_id, ""), "school": schools.get(s, ""), "text": r.text}
                        for r, s in reflections],
        "reflections_omitted": max(totals["reflections"] - len(reflections), 0),
    }


async def render_report(session: AsyncSession, *, campaign: Campaign, tz: ZoneInfo) -> tuple[str, str]:
    """(html, markdown)."""
    context = await report_context(session, campaign=campaign)
    html = _environment(tz, html=True).get_template("campaign.html.j2").render(context, style=Markup(REPORT_STYLE))
    markdown = _environment(tz, html=False).get_template("campaign.md.j2").render(context)
    return html, markdown


async def report_of(session: AsyncSession, *, campaign: Campaign, tz: ZoneInfo) -> tuple[str, str]:
    """(html, markdown): rendered once at completion; before that, a live draft. A stored report
    whose HTML was dropped (migration 0010: it was stored unescaped) gets its HTML rendered and
    stored again (flushed: the caller commits); its Markdown and rendering time stay as stored."""
    if campaign.report_html is not None:
        return campaign.report_html, campaign.report_markdown
    html, markdown = await render_report(session, campaign=campaign, tz=tz)
    if campaign.report_markdown is None:  # not stored yet: the live draft
        return html, markdown
    campaign.report_html = html
    await session.flush()
    return html, campaign.report_markdown


async def store_report(session: AsyncSession, *, campaign_id: int, tz: ZoneInfo, at: datetime) -> None:
    campaign = await session.get(Campaign, campaign_id)
    campaign.report_html, campaign.report_markdown = await render_report(session, campaign=campaign, tz=tz)
    campaign.report_rendered_at = at
    await session.flush()
