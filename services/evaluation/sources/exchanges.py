"""Indicators counted from teacher exchanges (交流轮岗) against the seed's quotas (`002_…`:
「与乡镇学校长期(1年及以上)双向交流教师不少于5人,短期(一周及以上)跟岗交流教师不少于20%」), by the
exchanges' actual dates as the exchanges programme counts them: an exchange counts in a term it
overlaps; a long one is a year or more (to the term's end while still away) between an alliance
school and a town or rural school; a teacher counts towards the short share once an exchange of hers
has lasted a week. 兼职副校长 (a day a week) counts in neither. A school's level counts the exchanges
it sends or hosts, and its own teachers for the share."""

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.directory.api import TOWN_LOCALITIES
from contracts.exchanges.history import ExchangeKind, ExchangeStatus
from models import Exchange, School, Teacher
from services.evaluation.sources.registry import Count, Levels, Scope, counted, query, rate

LONG = timedelta(days=365)
SHORT = timedelta(days=7)


async def _overlapping(session: AsyncSession, scope: Scope) -> list[Exchange]:
    """The alliance's exchanges under way at some time in the term, by their actual dates."""
    rows = await session.scalars(select(Exchange).where(
        Exchange.status != ExchangeStatus.cancelled, Exchange.kind != ExchangeKind.vice_principal,
        Exchange.actual_start.is_not(None), Exchange.actual_start <= scope.term_end,
        (Exchange.actual_end.is_(None)) | (Exchange.actual_end >= scope.term_start)))
    ours = set(scope.school_ids)
    return [e for e in rows if {e.home_school_id, e.host_school_id} & ours]


def _lasted(exchange: Exchange, until: date) -> timedelta:
    return min(exchange.actual_end or until, until) - exchange.actual_start


@query("exchanges.long_term")
async def long_term(session: AsyncSession, scope: Scope) -> Levels:
    localities = dict((await session.execute(select(School.id, School.locality))).all())
    by_school: dict[int | None, list[str]] = defaultdict(list)
    for exchange in await _overlapping(session, scope):
        ends = {localities.get(exchange.home_school_id), localities.get(exchange.host_school_id)}
        if ends & TOWN_LOCALITIES and _lasted(exchange, scope.term_end) >= LONG:
            for school_id in {exchange.home_school_id, exchange.host_school_id} & set(scope.school_ids):
                by_school[school_id].append(f"exchange:{exchange.id}")
    return counted(scope, by_school)


@query("exchanges.short_share")
async def short_share(session: AsyncSession, scope: Scope) -> Levels:
    """Per cent of the level's teachers with an exchange of a week or more in the term."""
    teachers = dict((await session.execute(select(Teacher.id, Teacher.school_id).where(
        Teacher.school_id.in_(scope.school_ids), Teacher.active))).all())
    away: dict[int, list[str]] = defaultdict(list)  # teacher → her exchanges that count
    for exchange in await _overlapping(session, scope):
        if exchange.teacher_id in teachers and _lasted(exchange, scope.term_end) >= SHORT:
            away[exchange.teacher_id].append(f"exchange:{exchange.id}")
    levels: Levels = {}
    for level in (None, *scope.school_ids):
        base = [t for t, school in teachers.items() if level is None or school == level]
        levels[level] = Count(rate(sum(t in away for t in base), len(base)),
                              sorted(r for t in base for r in away.get(t, [])))
    return levels
