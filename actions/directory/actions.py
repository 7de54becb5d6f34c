"""Keeping the directory: the organisation tree (districts, school groups, clusters, schools),
the teachers and their roster imports, and the audit trail of every write. Anyone logged in reads
the tree; who writes each level, and who sees teachers and the audit trail, is decided here."""

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import Select

from actions.context import Context
from actions.policy import STAFF_ROLES, require_admin, require_role, require_staff
from contracts.directory.api import (
    GradeBand,
    ImportResult,
    Page,
    Role,
    TeacherIn,
    TeacherUpdate,
)
from models import Base, Cluster, District, School, SchoolGroup, Teacher
from services.directory import service as directory
from services.directory import roster


async def page_of(ctx: Context, *, stmt: Select, offset: int, limit: int) -> Page:
    """One page of a query's rows, with the total the list has without paging."""
    items, total = await directory.page(ctx.session, stmt=stmt, offset=offset, limit=limit)
    return Page(items=items, total=total, offset=offset, limit=limit)


# ---- the organisation tree ----


@dataclass(frozen=True)
class Level:
    """One level of the tree: the column naming the level above it, and who may write it."""

    parent: str | None
    writers: tuple[Role, ...]


# The county's shape (districts, school groups) is the admin's; clusters and schools the staff's.
TREE: dict[type[Base], Level] = {
    District: Level(parent=None, writers=(Role.admin,)),
    SchoolGroup: Level(parent="district_id", writers=(Role.admin,)),
    Cluster: Level(parent="school_group_id", writers=STAFF_ROLES),
    School: Level(parent="cluster_id", writers=STAFF_ROLES),
}


async def create_node(ctx: Context, *, model: type[Base], data: BaseModel) -> Base:
    require_role(ctx.user, *TREE[model].writers)
    node = await directory.create(ctx.session, model=model, data=data)
    await ctx.session.commit()
    return node


async def list_nodes(ctx: Context, *, model: type[Base], parent_id: int | None, q: str | None,
                     offset: int, limit: int) -> Page:
    """Any logged-in user: the level's nodes, under one parent and/or by part of their name."""
    stmt = directory.nodes_query(model=model, parent=TREE[model].parent, parent_id=parent_id, q=q)
    return await page_of(ctx, stmt=stmt, offset=offset, limit=limit)


async def read_node(ctx: Context, *, model: type[Base], node_id: int) -> Base:
    """Any logged-in user."""
    return await directory.get_or_404(ctx.session, model, node_id)


async def update_node(ctx: Context, *, model: type[Base], node_id: int, data: BaseModel) -> Base:
    require_role(ctx.user, *TREE[model].writers)
    node = await directory.update(ctx.session, obj=await directory.get_or_404(ctx.session, model, node_id), data=data)
    await ctx.session.commit()
    return node


# ---- teachers (staff, admin) ----


async def create_teacher(ctx: Context, *, data: TeacherIn) -> Teacher:
    """Staff, admin: one teacher, and her login (username = 工号)."""
    require_staff(ctx.user)
    teacher = await directory.create_teacher(ctx.session, data=data)
    await ctx.session.commit()
    return teacher


async def list_teachers(
    ctx: Context, *, school_id: int | None, cluster_id: int | None, subject: str | None,
    grade_band: GradeBand | None, active: bool | None, q: str | None, offset: int, limit: int,
) -> Page:
    require_staff(ctx.user)
    stmt = directory.teachers_query(school_id=school_id, cluster_id=cluster_id, subject=subject,
                                    grade_band=grade_band, q=q, active=active)
    return await page_of(ctx, stmt=stmt, offset=offset, limit=limit)


async def read_teacher(ctx: Context, *, teacher_id: int) -> Teacher:
    require_staff(ctx.user)
    return await directory.get_or_404(ctx.session, Teacher, teacher_id)


async def update_teacher(ctx: Context, *, teacher_id: int, data: TeacherUpdate) -> Teacher:
    """Staff, admin. Deactivating a teacher deactivates her login."""
    teacher = await read_teacher(ctx, teacher_id=teacher_id)
    await directory.update_teacher(ctx.session, teacher=teacher, data=data)
    await ctx.session.commit()
    return teacher


async def import_roster(ctx: Context, *, content: bytes, filename: str) -> ImportResult:
    """Staff, admin: all or nothing (the request's size is capped before it is read: api/body_limit.py)."""
    require_staff(ctx.user)
    result = await roster.import_roster(ctx.session, content=content, filename=filename)
    await ctx.session.commit()
    return result


# ---- the audit trail (admin) ----


async def list_audit_entries(
    ctx: Context, *, actor_user_id: int | None, actor_role: Role | None, subject_type: str | None,
    subject_id: str | None, since: datetime | None, until: datetime | None, offset: int, limit: int,
) -> Page:
    """Admin: every write made through the API or the console, newest first."""
    require_admin(ctx.user)
    stmt = directory.audit_query(actor_user_id=actor_user_id, actor_role=actor_role, subject_type=subject_type,
                                 subject_id=subject_id, since=since, until=until)
    return await page_of(ctx, stmt=stmt, offset=offset, limit=limit)
