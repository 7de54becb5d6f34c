"""Logins: signing in, one's own account, and the logins admins keep for staff and admins."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.context import Context
from actions.directory import page_of
from actions.policy import is_staff, require_admin, require_staff
from config import Settings
from contracts.directory import Page, PasswordChange, Role, UserIn, UserUpdate
from models import User
from services import accounts
from services.directory import get_or_404
from services.security import create_access_token, hash_password


async def log_in(session: AsyncSession, *, settings: Settings, username: str, password: str) -> str | None:
    """Anyone: a bearer token for these credentials; None when they are wrong (or the login inactive)."""
    user = await accounts.authenticate(session, username=username, password=password)
    return create_access_token(user_id=user.id, settings=settings) if user else None


def home_path(user: User) -> str:
    """Where the console opens: a teacher's own page, the campaigns board for staff and admins."""
    return "/console/campaigns" if is_staff(user) else "/console/me"


def me(ctx: Context) -> User:
    """Any logged-in user: who am I."""
    return ctx.user


async def change_my_password(ctx: Context, *, data: PasswordChange) -> None:
    await accounts.change_password(ctx.session, user=ctx.user, data=data)
    await ctx.session.commit()


async def create_user(ctx: Context, *, data: UserIn) -> User:
    """Admin: a research staff member or another admin."""
    require_admin(ctx.user)
    user = await accounts.create_user(ctx.session, data=data)
    await ctx.session.commit()
    return user


async def list_users(ctx: Context, *, role: Role | None, offset: int, limit: int) -> Page:
    require_staff(ctx.user)
    stmt = select(User).order_by(User.id)
    if role is not None:
        stmt = stmt.where(User.role == role)
    return await page_of(ctx, stmt=stmt, offset=offset, limit=limit)


async def update_user(ctx: Context, *, user_id: int, data: UserUpdate) -> User:
    """Admin: edit a login, deactivate it, or reset its password (to be changed at the next login)."""
    require_admin(ctx.user)
    user = await get_or_404(ctx.session, User, user_id)
    values = data.model_dump(exclude_unset=True)
    if "password" in values:
        user.password_hash = hash_password(values.pop("password"))
        user.must_change_password = True
    for key, value in values.items():
        setattr(user, key, value)
    await ctx.session.commit()
    return user
