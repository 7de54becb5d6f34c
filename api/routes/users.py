"""Logins of research staff (教研员) and admins."""

from fastapi import APIRouter, status
from sqlalchemy import select

from api.deps import AdminUser, PageDep, SessionDep, StaffUser
from contracts.directory import Page, Role, UserIn, UserOut, UserUpdate
from models import User
from services import accounts, directory
from services.security import hash_password

router = APIRouter(prefix="/users", tags=["users"])


@router.post("", response_model=UserOut, status_code=status.HTTP_201_CREATED)
async def create_user(data: UserIn, session: SessionDep, _: AdminUser):
    """Admin: add a research staff member or another admin."""
    user = await accounts.create_user(session, data=data)
    await session.commit()
    return user


@router.get("", response_model=Page[UserOut])
async def list_users(session: SessionDep, _: StaffUser, paging: PageDep, role: Role | None = None):
    """Staff, admin."""
    stmt = select(User).order_by(User.id)
    if role is not None:
        stmt = stmt.where(User.role == role)
    items, total = await directory.page(session, stmt=stmt, offset=paging.offset, limit=paging.limit)
    return Page(items=items, total=total, offset=paging.offset, limit=paging.limit)


@router.patch("/{user_id}", response_model=UserOut)
async def update_user(user_id: int, data: UserUpdate, session: SessionDep, _: AdminUser):
    """Admin: edit a login, deactivate it, or reset its password."""
    user = await directory.get_or_404(session, User, user_id)
    values = data.model_dump(exclude_unset=True)
    if "password" in values:
        user.password_hash = hash_password(values.pop("password"))
        user.must_change_password = True
    for key, value in values.items():
        setattr(user, key, value)
    await session.commit()
    return user
