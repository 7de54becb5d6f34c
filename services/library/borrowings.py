"""Borrowings (借用): views, downloads, bookmarks and uses (借鉴) per user and school, and what they
add up to. A view or download counts once per user and day, a bookmark or use once per user; the
author's own never count, and "other schools" are those that are not the resource's own."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, distinct, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from contracts.library.api import BorrowKind, Counts, SchoolFigures, term_of
from models import Borrowing, Cluster, Resource, School

ONCE_A_DAY = {BorrowKind.view, BorrowKind.download}


async def record(session: AsyncSession, *, resource: Resource, user_id: int, school_id: int | None, kind: BorrowKind,
                 note: str = "", now: datetime, tz) -> None:
    """Insert, or keep the one already there (a use's note is replaced): two clicks count once."""
    local = now.astimezone(tz).date()
    upsert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[session.bind.dialect.name]
    stmt = upsert(Borrowing).values(resource_id=resource.id, user_id=user_id, school_id=school_id, kind=kind,
                                    day=local.isoformat() if kind in ONCE_A_DAY else "", note=note,
                                    term=term_of(local), created_at=now)
    keys = [Borrowing.resource_id, Borrowing.user_id, Borrowing.kind, Borrowing.day]
    await session.execute(stmt.on_conflict_do_update(index_elements=keys, set_={"note": stmt.excluded.note})
                          if kind == BorrowKind.use else stmt.on_conflict_do_nothing(index_elements=keys))


async def forget(session: AsyncSession, *, resource: Resource, user_id: int, kind: BorrowKind) -> None:
    await session.execute(delete(Borrowing).where(Borrowing.resource_id == resource.id, Borrowing.user_id == user_id,
                                                  Borrowing.kind == kind))


async def counts(session: AsyncSession, *, resource_ids: Sequence[int]) -> dict[int, Counts]:
    if not resource_ids:
        return {}
    others = (select(Borrowing.resource_id, Borrowing.kind, Borrowing.school_id, Resource.school_id.label("own"))
              .join(Resource, Resource.id == Borrowing.resource_id)
              .where(Borrowing.resource_id.in_(resource_ids), Borrowing.user_id != Resource.author_user_id).subquery())
    by_kind = await session.execute(select(others.c.resource_id, others.c.kind, func.count())
                                    .group_by(others.c.resource_id, others.c.kind))
    result: dict[int, Counts] = {}
    field = {BorrowKind.view: "views", BorrowKind.download: "downloads", BorrowKind.bookmark: "bookmarks",
             BorrowKind.use: "uses"}
    for resource_id, kind, count in by_kind:
        setattr(result.setdefault(resource_id, Counts()), field[BorrowKind(kind)], count)
    schools = await session.execute(
        select(others.c.resource_id, func.count(distinct(others.c.school_id)))
        .where(others.c.school_id.is_not(None), others.c.school_id != others.c.own).group_by(others.c.resource_id))
    for resource_id, count in schools:
        result.setdefault(resource_id, Counts()).other_schools = count
    return result


async def figures(session: AsyncSession, *, term: str) -> list[SchoolFigures]:
    """Per school over a term: resources it published, borrowings of them by other schools, and its
    teachers' borrowings of other schools' resources; the console sums them per alliance (cluster)."""
    uploads = dict((await session.execute(select(Resource.school_id, func.count()).where(Resource.term == term)
                                          .group_by(Resource.school_id))).all())
    across = (select(Borrowing.school_id.label("borrower"), Resource.school_id.label("owner"))
              .join(Resource, Resource.id == Borrowing.resource_id)
              .where(Borrowing.term == term, Borrowing.user_id != Resource.author_user_id,
                     Borrowing.school_id.is_not(None), Borrowing.school_id != Resource.school_id).subquery())
    borrowed = dict((await session.execute(select(across.c.owner, func.count()).group_by(across.c.owner))).all())
    borrowing = dict((await session.execute(select(across.c.borrower, func.count()).group_by(across.c.borrower))).all())
    cluster = aliased(Cluster)
    schools = (await session.execute(select(School.id, School.name, cluster.id, cluster.name)
                                     .join(cluster, cluster.id == School.cluster_id).order_by(cluster.id, School.id))).all()
    return [SchoolFigures(school_id=sid, school=name, cluster_id=cid, cluster=cname, uploads=uploads.get(sid, 0),
                          borrowings=borrowed.get(sid, 0), borrowed_elsewhere=borrowing.get(sid, 0))
            for sid, name, cid, cname in schools]
