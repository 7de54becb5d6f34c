"""The named queries computed indicators are counted by: one small module per source domain
(series.py, campaigns.py, …), each query one function registered under its name. Adding an
indicator from records is one entry there plus its line in the scheme.

A query answers every level at once: the alliance (key None) and each member school, each with
its value and the records ("kind:id") that make it up, so every score leads back to them."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class Scope:
    """An alliance in a term: its schools, its teachers' logins by school, the term's window."""

    cluster_id: int
    school_ids: list[int]
    teachers: dict[int, int]  # user id → school id, every active teacher of the alliance
    term_start: date
    term_end: date
    tz: ZoneInfo

    @property
    def starts(self) -> datetime:
        return datetime.combine(self.term_start, time(0), self.tz)

    @property
    def ends(self) -> datetime:
        """The end of the term's last day (exclusive)."""
        return datetime.combine(self.term_end + timedelta(days=1), time(0), self.tz)

    def teachers_of(self, school_id: int | None) -> int:
        return sum(1 for school in self.teachers.values() if school_id is None or school == school_id)


@dataclass
class Count:
    value: float = 0
    records: list[str] = field(default_factory=list)


Levels = dict[int | None, Count]  # None: the alliance as a whole
Query = Callable[[AsyncSession, Scope], Awaitable[Levels]]
QUERIES: dict[str, Query] = {}


def query(name: str) -> Callable[[Query], Query]:
    def register(function: Query) -> Query:
        QUERIES[name] = function
        return function

    return register


def counted(scope: Scope, records_by_school: dict[int | None, list[str]]) -> Levels:
    """Levels whose value is how many records they hold; the alliance holds every school's."""
    levels = {school_id: Count(len(records_by_school.get(school_id, [])), sorted(records_by_school.get(school_id, [])))
              for school_id in scope.school_ids}
    alliance = sorted(set(records_by_school.get(None, [])) | {r for s in scope.school_ids for r in levels[s].records})
    levels[None] = Count(len(alliance), alliance)
    return levels


def rate(numerator: int, denominator: int) -> float:
    """Per cent, one decimal; nothing expected counts as nothing done."""
    return round(100 * numerator / denominator, 1) if denominator else 0.0
