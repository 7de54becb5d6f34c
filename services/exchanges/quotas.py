"""The alliance's exchange quotas, live (002_…: 「与乡镇学校长期(1年及以上)双向交流教师不少于5人,
短期(一周及以上)跟岗交流教师不少于20%」), and the notices of their checkpoints.

Counted from actual dates only: an exchange's length is its actual return date minus its actual
start (to today while the teacher is still away). A long-term exchange counts at 365 days or more,
either way between a school of the alliance and a 乡镇 / 农村 school; a teacher counts towards the
short-term share once an exchange of hers has lasted 7 days (the seed's 一周及以上 has no upper
bound, so a long exchange's teacher counts there too). 兼职副校长 (one day a week) counts in neither.
An exchange counts in the school year it began in. The projection takes the planned dates where
the actual ones are not known yet: what the year comes to if everything planned happens."""

import math
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from config import Settings
from contracts.directory.api import TOWN_LOCALITIES
from contracts.exchanges.api import AllianceQuota, QuotaBar
from contracts.exchanges.history import Checkpoint, ExchangeKind, ExchangeStatus
from contracts.notifications.history import NotifyRequest
from contracts.notifications.notices import ExchangeQuotaShortfall
from models import Cluster, Exchange, School, Teacher
from services.exchanges.notices import staff_ids

LONG_DAYS = 365
SHORT_DAYS = 7
NOT_COUNTED = (ExchangeKind.vice_principal,)
BEFORE_END = timedelta(weeks=6)


@dataclass(frozen=True)
class SchoolYear:
    """The school year that begins in `year` (2026 = 2026—2027学年)."""

    year: int
    start: date
    end: date

    @property
    def checkpoints(self) -> dict[Checkpoint, date]:
        return {Checkpoint.mid_year: self.start + (self.end - self.start) / 2,
                Checkpoint.before_end: self.end - BEFORE_END}


def _month_day(text: str, year: int) -> date:
    month, day = (int(part) for part in text.split("-"))
    return date(year, month, day)


def school_year(year: int, settings: Settings) -> SchoolYear:
    return SchoolYear(year=year, start=_month_day(settings.exchange_year_start, year),
                      end=_month_day(settings.exchange_year_end, year + 1))


def year_of(day: date, settings: Settings) -> int:
    """The school year a day belongs to: the summer after a year's end belongs to the next one."""
    return day.year if day > _month_day(settings.exchange_year_end, day.year) else day.year - 1


def counted_days(exchange: Exchange, today: date) -> int:
    """Days away by the actual dates (to today while still away); 0 before an actual start."""
    if exchange.actual_start is None or exchange.actual_start > today:
        return 0
    return (min(exchange.actual_end or today, today) - exchange.actual_start).days


def projected_days(exchange: Exchange) -> int:
    return ((exchange.actual_end or exchange.planned_end) - (exchange.actual_start or exchange.planned_start)).days


def _began(exchange: Exchange) -> date:
    return exchange.actual_start or exchange.planned_start


@dataclass(frozen=True)
class _Alliance:
    cluster: Cluster
    lead: School
    school_ids: set[int]
    localities: dict[int, str]  # every school's, the other end of an exchange may be elsewhere


async def _alliances(session: AsyncSession, cluster_id: int | None = None) -> list[_Alliance]:
    stmt = select(Cluster).where(Cluster.lead_school_id.is_not(None)).order_by(Cluster.id)
    if cluster_id is not None:
        stmt = stmt.where(Cluster.id == cluster_id)
    clusters = list(await session.scalars(stmt))
    schools = list(await session.scalars(select(School)))
    localities = {school.id: school.locality for school in schools}
    by_id = {school.id: school for school in schools}
    return [_Alliance(cluster=c, lead=by_id[c.lead_school_id], localities=localities,
                      school_ids={s.id for s in schools if s.cluster_id == c.id}) for c in clusters]


async def _base(session: AsyncSession, alliance: _Alliance, settings: Settings) -> set[int]:
    """The teachers the short-term share is of (EXCHANGE_SHORT_BASE)."""
    school_ids = {alliance.lead.id} if settings.exchange_short_base == "lead_school" else alliance.school_ids
    return set(await session.scalars(select(Teacher.id).where(Teacher.school_id.in_(school_ids),
                                                              Teacher.active.is_(True))))


def _quota(alliance: _Alliance, exchanges: list[Exchange], base: set[int], *, year: SchoolYear, today: date,
           settings: Settings) -> AllianceQuota:
    ours = [e for e in exchanges if {e.home_school_id, e.host_school_id} & alliance.school_ids]
    with_town = [e for e in ours if {alliance.localities.get(e.home_school_id),
                                    alliance.localities.get(e.host_school_id)} & TOWN_LOCALITIES]
    long_counted = sum(counted_days(e, today) >= LONG_DAYS for e in with_town)
    long_projected = max(long_counted, sum(projected_days(e) >= LONG_DAYS for e in with_town))
    short_counted = {e.teacher_id for e in ours if e.teacher_id in base and counted_days(e, today) >= SHORT_DAYS}
    short_projected = short_counted | {e.teacher_id for e in ours
                                       if e.teacher_id in base and projected_days(e) >= SHORT_DAYS}
    short_target = math.ceil(settings.exchange_short_percent * len(base) / 100)

    def percent(people: set[int]) -> float:
        return round(100 * len(people) / len(base), 1) if base else 0.0

    return AllianceQuota(
        cluster_id=alliance.cluster.id, cluster_name=alliance.cluster.name, lead_school_name=alliance.lead.name,
        year=year.year, year_start=year.start, year_end=year.end,
        long_term=QuotaBar(counted=long_counted, projected=long_projected, target=settings.exchange_long_target,
                           needed=max(0, settings.exchange_long_target - long_projected)),
        short_term=QuotaBar(counted=len(short_counted), projected=len(short_projected), target=short_target,
                            needed=max(0, short_target - len(short_projected)), percent=percent(short_counted),
                            projected_percent=percent(short_projected),
                            target_percent=settings.exchange_short_percent, base=len(base)),
    )


async def quotas(session: AsyncSession, *, year: int, today: date, settings: Settings,
                 cluster_id: int | None = None) -> list[AllianceQuota]:
    """Each alliance's quotas for the school year beginning in `year`, as of `today`."""
    span = school_year(year, settings)
    first = _month_day(settings.exchange_year_end, year) + timedelta(days=1)
    began = func.coalesce(Exchange.actual_start, Exchange.planned_start)
    exchanges = list(await session.scalars(select(Exchange).where(
        began >= first, began <= span.end, Exchange.status != ExchangeStatus.cancelled,
        Exchange.kind.not_in(NOT_COUNTED))))
    answers = []
    for alliance in await _alliances(session, cluster_id):
        base = await _base(session, alliance, settings)
        answers.append(_quota(alliance, exchanges, base, year=span, today=today, settings=settings))
    return answers


def next_checkpoint(year: int, settings: Settings, *, done: list[Checkpoint]) -> tuple[Checkpoint, date] | None:
    """The year's next checkpoint not yet done, and its day."""
    pending = sorted((day, checkpoint) for checkpoint, day in school_year(year, settings).checkpoints.items()
                     if checkpoint not in done)
    return (pending[0][1], pending[0][0]) if pending else None


async def checkpoint_notices(session: AsyncSession, *, year: int, checkpoint: Checkpoint, today: date,
                             settings: Settings) -> list[NotifyRequest]:
    """To staff and each lead school's contact: the alliances that fall short, in words and people."""
    staff = await staff_ids(session)
    notices = []
    for quota in await quotas(session, year=year, today=today, settings=settings):
        long, short = quota.long_term, quota.short_term
        if not (long.needed or short.needed):
            continue
        lead_contact = await session.scalar(select(School.contact_user_id).join(
            Cluster, Cluster.lead_school_id == School.id).where(Cluster.id == quota.cluster_id))
        recipients = list(dict.fromkeys([*staff, *([lead_contact] if lead_contact else [])]))
        if not recipients:
            continue
        payload = ExchangeQuotaShortfall(
            alliance=quota.cluster_name, checkpoint=checkpoint.value, year_end=quota.year_end,
            long_counted=long.counted, long_projected=long.projected, long_target=long.target,
            long_needed=long.needed, short_percent=int(short.percent), short_projected_percent=int(short.projected_percent),
            short_target_percent=short.target_percent, short_needed=short.needed)
        notices.append(NotifyRequest(payload=payload, key=f"exchange-quotas:{year}:{checkpoint.value}:{quota.cluster_id}",
                                     user_ids=recipients, link=f"/console/exchanges?cluster_id={quota.cluster_id}"))
    return notices
