"""Indicators counted from the shared library (合作教研云): resources the alliance's schools shared
during the term, and how often teachers of *other* schools took one up (downloaded it or used it
in class; a view or a bookmark is not a borrowing). A school's level counts its own resources."""

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.library.api import BorrowKind, ResourceStatus
from models import Borrowing, Resource
from services.evaluation.sources.registry import Levels, Scope, counted, query

TAKEN_UP = (BorrowKind.download, BorrowKind.use)


@query("library.resources_shared")
async def resources_shared(session: AsyncSession, scope: Scope) -> Levels:
    rows = await session.execute(select(Resource.id, Resource.school_id).where(
        Resource.school_id.in_(scope.school_ids), Resource.status == ResourceStatus.published,
        Resource.created_at >= scope.starts, Resource.created_at < scope.ends))
    by_school: dict[int | None, list[str]] = defaultdict(list)
    for resource_id, school_id in rows.all():
        by_school[school_id].append(f"resource:{resource_id}")
    return counted(scope, by_school)


@query("library.borrowed_by_other_schools")
async def borrowed_by_other_schools(session: AsyncSession, scope: Scope) -> Levels:
    rows = await session.execute(
        select(Borrowing.id, Resource.school_id).join(Resource, Resource.id == Borrowing.resource_id).where(
            Resource.school_id.in_(scope.school_ids), Borrowing.kind.in_(TAKEN_UP),
            Borrowing.school_id.is_not(None), Borrowing.school_id != Resource.school_id,
            Borrowing.created_at >= scope.starts, Borrowing.created_at < scope.ends))
    by_school: dict[int | None, list[str]] = defaultdict(list)
    for borrowing_id, school_id in rows.all():
        by_school[school_id].append(f"borrowing:{borrowing_id}")
    return counted(scope, by_school)
