"""The organisation tree above teachers: districts, school groups (学段组), clusters (片区), schools.

The four resources behave alike (create, list under a parent, read, patch), so one factory
builds their routers; each still gets its own path, schemas, parent and writers."""

from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel

from actions.directory import actions as directory_actions
from api.deps import ContextDep, PageDep
from contracts.directory.api import (
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
from contracts.limits import Id
from models import Base, Cluster, District, School, SchoolGroup


def tree_router(
    *,
    path: str,
    model: type[Base],
    schema_in: type[BaseModel],
    schema_update: type[BaseModel],
    schema_out: type[BaseModel],
    noun: str,  # the level in words, for the routes' labels (the audit trail shows them)
) -> APIRouter:
    router = APIRouter(prefix=path, tags=["directory"])
    level = directory_actions.TREE[model]
    parent_query = Query(alias=level.parent or "parent", include_in_schema=bool(level.parent))

    @router.post("", response_model=schema_out, status_code=status.HTTP_201_CREATED, summary=f"新建{noun}")
    async def create_item(data: schema_in, ctx: ContextDep):  # type: ignore[valid-type]
        return await directory_actions.create_node(ctx, model=model, data=data)

    @router.get("", response_model=Page[schema_out], summary=f"{noun}列表")
    async def list_items(
        ctx: ContextDep,
        paging: PageDep,
        parent_id: Annotated[Id | None, parent_query] = None,
        q: Annotated[str | None, Query(description="name contains")] = None,
    ):
        return await directory_actions.list_nodes(ctx, model=model, parent_id=parent_id, q=q,
                                                  offset=paging.offset, limit=paging.limit)

    @router.get("/{item_id}", response_model=schema_out, summary=f"查看{noun}")
    async def read_item(item_id: Id, ctx: ContextDep):
        return await directory_actions.read_node(ctx, model=model, node_id=item_id)

    @router.patch("/{item_id}", response_model=schema_out, summary=f"修改{noun}")
    async def update_item(item_id: Id, data: schema_update, ctx: ContextDep):  # type: ignore[valid-type]
        return await directory_actions.update_node(ctx, model=model, node_id=item_id, data=data)

    description = f"Reads: any logged-in user. Writes: {', '.join(level.writers)}."
    for route in router.routes:
        route.description = description
    return router


routers = [
    tree_router(path="/districts", model=District, schema_in=DistrictIn, schema_update=DistrictUpdate,
                schema_out=DistrictOut, noun="区县"),
    tree_router(path="/school-groups", model=SchoolGroup, schema_in=SchoolGroupIn, schema_update=SchoolGroupUpdate,
                schema_out=SchoolGroupOut, noun="学段组"),
    tree_router(path="/clusters", model=Cluster, schema_in=ClusterIn, schema_update=ClusterUpdate,
                schema_out=ClusterOut, noun="片区"),
    tree_router(path="/schools", model=School, schema_in=SchoolIn, schema_update=SchoolUpdate,
                schema_out=SchoolOut, noun="学校"),
]
