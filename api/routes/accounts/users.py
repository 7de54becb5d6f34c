"""Logins of research staff (教研员) and admins."""

from fastapi import APIRouter, status

from actions.accounts import actions as account_actions
from api.deps import ContextDep, PageDep
from contracts.directory.api import Page, Role, UserIn, UserOut, UserUpdate
from contracts.limits import Id

router = APIRouter(prefix="/users", tags=["users"])


@router.post("", response_model=UserOut, status_code=status.HTTP_201_CREATED, summary="新建账号")
async def create_user(data: UserIn, ctx: ContextDep):
    """Admin: add a research staff member or another admin."""
    return await account_actions.create_user(ctx, data=data)


@router.get("", response_model=Page[UserOut])
async def list_users(ctx: ContextDep, paging: PageDep, role: Role | None = None):
    """Staff, admin."""
    return await account_actions.list_users(ctx, role=role, offset=paging.offset, limit=paging.limit)


@router.patch("/{user_id}", response_model=UserOut, summary="修改账号")
async def update_user(user_id: Id, data: UserUpdate, ctx: ContextDep):
    """Admin: edit a login, deactivate it, or reset its password."""
    return await account_actions.update_user(ctx, user_id=user_id, data=data)
