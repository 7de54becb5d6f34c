"""The organisation tree above teachers: districts, school groups (学段组), clusters (片区), schools.

The four resources behave alike (create, list under a parent, read, patch), so one factory
builds their routers; each still gets its own path, schemas and roles."""

from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel
from sqlalchemy import select

from api.deps import AdminUser, CurrentUser, PageDep, SessionDep, StaffUser
from contracts.directory import (
    ClusterIn,
    ClusterOut,
    ClusterUpdate,
    DistrictIn,
    DistrictOut,
    DistrictUpdate,
    Page,
    SchoolGroupIn,
    SchoolGroupOut,
    SchoolGroupUpdate,
    SchoolIn,
    SchoolOut,
    SchoolUpdate,
)
from models import Base, Cluster, District, School, SchoolGroup
from services import directory


def tree_router(
    *,
    path: str,
    model: type[Base],
    schema_in: type[BaseModel],
    schema_update: type[BaseModel],
    schema_out: type[BaseModel],
    parent: str | None,
    writer: type,
) -> APIRouter:
    router = APIRouter(prefix=path, tags=["directory"])
    label = model.__name__

    @router.post("", response_model=schema_out, status_code=status.HTTP_201_CREATED, summary=f"Create a {label}")
    async def create_item(data: schema_in, session: SessionDep, _: writer):  # type: ignore[valid-type]
        obj = await directory.create(session, model=model, data=data)
        await session.commit()
        return obj

    @router.get("", response_model=Page[schema_out], summary=f"List {label}s")
    async def list_items(
        session: SessionDep,
        _: CurrentUser,
        paging: PageDep,
        parent_id: Annotated[int | None, Query(alias=parent or "parent", include_in_schema=bool(parent))] = None,
        q: Annotated[str | None, Query(description="name contains")] = None,
    ):
        stmt = select(model).order_by(model.id)
        if parent and parent_id is not None:
            stmt = stmt.where(getattr(model, parent) == parent_id)
        if q:
            stmt = stmt.where(model.name.contains(q))
        items, total = await directory.page(session, stmt=stmt, offset=paging.offset, limit=paging.limit)
        return Page(items=items, total=total, offset=paging.offset, limit=paging.limit)

    @router.get("/{item_id}", response_model=schema_out, summary=f"Read a {label}")
    async def read_item(item_id: int, session: SessionDep, _: CurrentUser):
        return await directory.get_or_404(session, model, item_id)

    @router.patch("/{item_id}", response_model=schema_out, summary=f"Update a {label}")
    async def update_item(item_id: int, data: schema_update, session: SessionDep, _: writer):  # type: ignore[valid-type]
        obj = await directory.update(session, obj=await directory.get_or_404(session, model, item_id), data=data)
        await session.commit()
        return obj

    role_note = "Writes: admin." if writer is AdminUser else "Writes: staff, admin."
    for route in router.routes:
        route.description = f"Reads: any logged-in user. {role_note}"
    return router


routers = [
    tree_router(
        path="/districts", model=District, schema_in=DistrictIn, schema_update=DistrictUpdate,
        schema_out=DistrictOut, parent=None, writer=AdminUser,
    ),
    tree_router(
        path="/school-groups", model=SchoolGroup, schema_in=SchoolGroupIn, schema_update=SchoolGroupUpdate,
        schema_out=SchoolGroupOut, parent="district_id", writer=AdminUser,
    ),
    tree_router(
        path="/clusters", model=Cluster, schema_in=ClusterIn, schema_update=ClusterUpdate,
        schema_out=ClusterOut, parent="school_group_id", writer=StaffUser,
    ),
    tree_router(
        path="/schools", model=School, schema_in=SchoolIn, schema_update=SchoolUpdate,
        schema_out=SchoolOut, parent="cluster_id", writer=StaffUser,
    ),
]
