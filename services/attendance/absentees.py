"""Who was expected and did not check in, by school: one query for every kind of attendance."""

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import School


@dataclass(frozen=True)
class Absentee:
    user_id: int
    name: str
    school_id: int
    school: str


async def absentees(session: AsyncSession, *, expected: Select, present: Select) -> list[Absentee]:
    """`expected` selects `user_id`, `name` and `school_id` of everyone expected (the kind decides
    whose name and which school: a campaign member's school, a teacher's); `present` selects the
    user ids that checked in. Ordered by school name, then name."""
    who = expected.subquery()
    rows = await session.execute(
        select(who.c.user_id, who.c.name, School.id, School.name)
        .join(School, School.id == who.c.school_id)
        .where(who.c.user_id.not_in(present))
        .distinct()  # someone expected twice (left a series and joined again) is absent once
        .order_by(School.name, who.c.name)
    )
    return [Absentee(*row) for row in rows]


def by_school(absent: list[Absentee]) -> dict[str, list[str]]:
    """School name → names, as the absentee notices and the training report list them."""
    listed: dict[str, list[str]] = defaultdict(list)
    for absentee in absent:
        listed[absentee.school].append(absentee.name)
    return dict(listed)
