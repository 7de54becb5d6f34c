"""The records of the work a resource may be filed from, read where their programmes keep them
(decision 0004): the library reads these tables; campaigns and series never import the library.
One `Source` a kind; a new programme (tour stops, mentor pairs) adds its kind to
contracts.library.api.SourceKind and one line to SOURCES."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import Select, and_, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.campaigns.history import PlanStatus
from contracts.directory.api import GradeBand
from contracts.library.api import ResourceKind, SourceKind
from models import (
    Campaign, Cluster, Offer, Plan, PlanStage, Reflection, SchoolGroup, Series, SeriesSession, SessionMinutes, Topic,
)


@dataclass(frozen=True)
class Publishable:
    """A record as the library would publish it, its metadata filled from the record."""

    source: SourceKind
    source_id: int
    author_user_id: int
    kind: ResourceKind
    title: str
    text: str
    subject: str | None
    grade_band: GradeBand | None
    origin: str  # the campaign or series it came from


def _not_offered(kind: SourceKind, source_id) -> object:
    return ~exists().where(and_(Offer.source_kind == kind, Offer.source_id == source_id))


def _plans() -> Select:
    return (select(Plan, Topic, Campaign).join(Topic, Topic.id == Plan.topic_id).join(Campaign, Campaign.id == Plan.campaign_id)
            .where(Plan.status == PlanStatus.approved))


async def _plan(session: AsyncSession, row) -> Publishable:
    plan, topic, campaign = row
    stages = await session.scalars(select(PlanStage.title).where(PlanStage.plan_id == plan.id).order_by(PlanStage.position))
    return Publishable(SourceKind.plan, plan.id, topic.lead_user_id, ResourceKind.lesson_plan, f"{topic.title}：研究方案",
                       "\n".join([plan.goal, *stages]), campaign.subject, campaign.grade_band, campaign.title)


def _reflections() -> Select:
    return select(Reflection, Campaign).join(Campaign, Campaign.id == Reflection.campaign_id)


async def _reflection(_: AsyncSession, row) -> Publishable:
    reflection, campaign = row
    return Publishable(SourceKind.reflection, reflection.id, reflection.user_id, ResourceKind.reflection,
                       f"教学反思：{campaign.title}", reflection.text, campaign.subject, campaign.grade_band,
                       campaign.title)


def _minutes() -> Select:
    return (select(SessionMinutes, SeriesSession, Series, SchoolGroup.grade_band)
            .join(SeriesSession, SeriesSession.id == SessionMinutes.session_id)
            .join(Series, Series.id == SeriesSession.series_id).join(Cluster, Cluster.id == Series.cluster_id)
            .join(SchoolGroup, SchoolGroup.id == Cluster.school_group_id))


async def _minute(_: AsyncSession, row) -> Publishable:
    minutes, meeting, series, grade_band = row
    return Publishable(SourceKind.minutes, minutes.session_id, minutes.submitted_by_user_id, ResourceKind.minutes,
                       f"活动纪要：{series.title} 第 {meeting.number} 次", minutes.content, series.subject, grade_band,
                       series.title)


@dataclass(frozen=True)
class Source:
    records: Callable[[], Select]  # the publishable records of this kind, one row each
    id_column: object  # the record's id in those rows
    author_column: object
    publishable: Callable[[AsyncSession, tuple], Awaitable[Publishable]]


SOURCES: dict[SourceKind, Source] = {
    SourceKind.plan: Source(_plans, Plan.id, Topic.lead_user_id, _plan),
    SourceKind.reflection: Source(_reflections, Reflection.id, Reflection.user_id, _reflection),
    SourceKind.minutes: Source(_minutes, SessionMinutes.session_id, SessionMinutes.submitted_by_user_id, _minute),
}


async def not_yet_offered(session: AsyncSession, *, author_user_id: int | None, limit: int) -> list[Publishable]:
    """Publishable records no offer has been made for yet (of one author, or of everyone)."""
    found: list[Publishable] = []
    for kind, source in SOURCES.items():
        stmt = source.records().where(_not_offered(kind, source.id_column)).order_by(source.id_column).limit(limit)
        if author_user_id is not None:
            stmt = stmt.where(source.author_column == author_user_id)
        found += [await source.publishable(session, row) for row in (await session.execute(stmt)).all()]
    return found


async def publishable(session: AsyncSession, *, kind: SourceKind, source_id: int) -> Publishable | None:
    """The record as it is now (accepting an offer publishes its current text)."""
    source = SOURCES[kind]
    row = (await session.execute(source.records().where(source.id_column == source_id))).first()
    return await source.publishable(session, row) if row else None
