"""Queries and writes for the organisation tree."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Column, Select, UniqueConstraint, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.directory.api import GradeBand, TeacherIn, TeacherUpdate
from contracts.errors import Conflict, InvalidField, NotFound
from models import AuditEntry, Base, Cluster, School, Teacher, TeacherSubject
from services.accounts.service import ensure_teacher_login, revoke_calendar_feeds, set_active

M = TypeVar("M", bound=Base)


def _model_for_table(table_name: str) -> type[Base]:
    for mapper in Base.registry.mappers:
        if mapper.local_table.name == table_name:
            return mapper.class_
    raise LookupError(table_name)


async def ensure_references(session: AsyncSession, *, model: type[Base], values: dict[str, Any]) -> None:
    """Every foreign key in `values` names an existing row, else InvalidField on that field."""
    for column in model.__table__.columns:
        value = values.get(column.key)
        if value is None:
            continue
        for foreign_key in column.foreign_keys:
            target = _model_for_table(foreign_key.column.table.name)
            if await session.get(target, value) is None:
                raise InvalidField(column.key, f"{target.__name__} {value} 不存在 (does not exist)")


def _unique_keys(model: type[Base]) -> list[tuple[Column, ...]]:
    table = model.__table__
    return [*(tuple(c.columns) for c in table.constraints if isinstance(c, UniqueConstraint)),
            *((column,) for column in table.columns if column.unique)]


async def ensure_unique(session: AsyncSession, *, model: type[M], values: dict[str, Any],
                        current: M | None = None) -> None:
    """No other row has what a unique column (or set of columns) of `model` would hold after the
    write, else Conflict naming the columns: a duplicate is the client's to fix, not a 500."""
    for columns in _unique_keys(model):
        wanted = {c.key: values[c.key] if c.key in values else getattr(current, c.key, None) for c in columns}
        if None in wanted.values():
            continue
        stmt = select(model.id).where(*(getattr(model, key) == value for key, value in wanted.items()))
        if current is not None:
            stmt = stmt.where(model.id != current.id)
        if await session.scalar(stmt.limit(1)) is not None:
            raise Conflict(f"{model.__name__} 的 {'、'.join(wanted)} 已被使用 (already taken)", fields=list(wanted))


async def get_or_404(session: AsyncSession, model: type[M], object_id: int) -> M:
    obj = await session.get(model, object_id)
    if obj is None:
        raise NotFound(model.__name__, object_id)
    return obj


async def create(session: AsyncSession, *, model: type[M], data: BaseModel) -> M:
    values = data.model_dump()
    await ensure_references(session, model=model, values=values)
    await ensure_unique(session, model=model, values=values)
    obj = model(**values)
    session.add(obj)
    await session.flush()
    return obj


async def update(session: AsyncSession, *, obj: M, data: BaseModel) -> M:
    values = data.model_dump(exclude_unset=True)
    await ensure_references(session, model=type(obj), values=values)
    await ensure_unique(session, model=type(obj), values=values, current=obj)
    for key, value in values.items():
        setattr(obj, key, value)
    await session.flush()
    return obj


async def page(session: AsyncSession, *, stmt: Select, offset: int, limit: int) -> tuple[Sequence[Any], int]:
    total = await session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = (await session.scalars(stmt.offset(offset).limit(limit))).all()
    return rows, total or 0


def nodes_query(*, model: type[M], parent: str | None, parent_id: int | None, q: str | None) -> Select[tuple[M]]:
    """A level of the organisation tree, under one parent (named by its column) and/or by part of
    the name."""
    stmt = select(model).order_by(model.id)
    if parent and parent_id is not None:
        stmt = stmt.where(getattr(model, parent) == parent_id)
    if q:
        stmt = stmt.where(model.name.contains(q))
    return stmt


async def cluster_choices(session: AsyncSession) -> list[tuple[int, str]]:
    """(id, name) of every cluster, for a scope to be chosen from."""
    return [tuple(row) for row in await session.execute(select(Cluster.id, Cluster.name).order_by(Cluster.id))]


def audit_query(*, actor_user_id: int | None, actor_role: str | None, subject_type: str | None,
                subject_id: str | None, since: datetime | None, until: datetime | None) -> Select[tuple[AuditEntry]]:
    """The audit trail, newest first, by whichever filters are given."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc())
    for column, value in [(AuditEntry.actor_user_id, actor_user_id), (AuditEntry.actor_role, actor_role),
                          (AuditEntry.subject_type, subject_type), (AuditEntry.subject_id, subject_id)]:
        if value is not None:
            stmt = stmt.where(column == value)
    if since is not None:
        stmt = stmt.where(AuditEntry.at >= since)
    if until is not None:
        stmt = stmt.where(AuditEntry.at < until)
    return stmt


def teachers_query(
    *,
    school_id: int | None = None,
    cluster_id: int | None = None,
    subject: str | None = None,
    grade_band: GradeBand | None = None,
    q: str | None = None,
    active: bool | None = None,
) -> Select[tuple[Teacher]]:
    stmt = select(Teacher).order_by(Teacher.staff_no)
    if school_id is not None:
        stmt = stmt.where(Teacher.school_id == school_id)
    if cluster_id is not None:
        stmt = stmt.where(Teacher.school_id.in_(select(School.id).where(School.cluster_id == cluster_id)))
    if subject:
        stmt = stmt.where(Teacher.id.in_(select(TeacherSubject.teacher_id).where(TeacherSubject.subject == subject)))
    if grade_band is not None:
        stmt = stmt.where(Teacher.grade_band == grade_band)
    if q:
        stmt = stmt.where(or_(Teacher.name.contains(q), Teacher.staff_no.contains(q)))
    if active is not None:
        stmt = stmt.where(Teacher.active == active)
    return stmt


async def teacher_by_staff_no(session: AsyncSession, *, staff_no: str) -> Teacher | None:
    return await session.scalar(select(Teacher).where(Teacher.staff_no == staff_no))


async def teacher_cluster_id(session: AsyncSession, *, user_id: int) -> int | None:
    """The cluster of the school where this login teaches; None for staff and unknown users."""
    return await session.scalar(select(School.cluster_id).join(Teacher, Teacher.school_id == School.id)
                                .where(Teacher.user_id == user_id))


async def create_teacher(session: AsyncSession, *, data: TeacherIn) -> Teacher:
    if await teacher_by_staff_no(session, staff_no=data.staff_no) is not None:
        raise InvalidField("staff_no", f"工号 {data.staff_no} 已存在 (staff number already exists)")
    teacher = await create(session, model=Teacher, data=data)
    await ensure_teacher_login(session, teacher=teacher)
    return teacher


async def update_teacher(session: AsyncSession, *, teacher: Teacher, data: TeacherUpdate) -> Teacher:
    """Her login follows `active`: deactivated with her (its sessions end), reactivated with her."""
    from_school_id = teacher.school_id
    await update(session, obj=teacher, data=data)
    await moved_school(session, teacher=teacher, from_school_id=from_school_id)
    if data.active is not None and teacher.user is not None:
        await set_active(session, user=teacher.user, active=data.active)
    return teacher


async def moved_school(session: AsyncSession, *, teacher: Teacher, from_school_id: int) -> None:
    """A teacher moved to a school of another cluster no longer follows her old cluster's calendar."""
    if teacher.user_id is None or teacher.school_id == from_school_id:
        return
    clusters = dict((await session.execute(select(School.id, School.cluster_id).where(
        School.id.in_({from_school_id, teacher.school_id})))).all())
    if clusters.get(teacher.school_id) != clusters.get(from_school_id):
        await revoke_calendar_feeds(session, user_id=teacher.user_id, outside_cluster=clusters.get(teacher.school_id))
