"""Logins: signing in (throttled), one's own account and sessions, and the logins admins keep
for staff and admins."""

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from actions.context import Context
from actions.directory.actions import page_of
from actions.policy import is_staff, require_admin, require_staff
from config import Settings
from contracts.directory.api import Page, PasswordChange, Role, UserIn, UserUpdate
from contracts.errors import Conflict, InvalidField, TooManyAttempts
from models import School, Teacher, User
from services.accounts import service as accounts
from services.accounts import activation
from services.accounts.login_throttle import LoginThrottle
from services.accounts.security import create_access_token
from services.directory.service import get_or_404


async def _check_credentials(
    session: AsyncSession, *, throttle: LoginThrottle, username: str, password: str, client: str, now: datetime
) -> User | None:
    """The active login these credentials open (a password, or before the first one the
    activation code), counted by the throttle before anything else; TooManyAttempts, without
    touching the database or the password, while the username or the client address is throttled."""
    wait = throttle.attempt(username=username, address=client)
    if wait:
        raise TooManyAttempts(wait)
    user = await accounts.authenticate(session, username=username, password=password, now=now)
    if user is not None:
        throttle.succeeded(username=username)
    return user


async def log_in(
    session: AsyncSession, *, settings: Settings, throttle: LoginThrottle, username: str, password: str,
    client: str, now: datetime,
) -> str | None:
    """Anyone: a bearer token for these credentials (with the activation code, a token that may
    only set a password); None when they are wrong or the login is inactive."""
    user = await _check_credentials(session, throttle=throttle, username=username, password=password, client=client,
                                    now=now)
    return session_token(user, settings=settings) if user else None


def session_token(user: User, *, settings: Settings) -> str:
    return create_access_token(user_id=user.id, token_version=user.token_version, settings=settings)


async def log_out(ctx: Context) -> None:
    """Any logged-in user: every token of this login stops working, on every device."""
    accounts.end_sessions(ctx.user)
    await ctx.session.commit()


def home_path(user: User) -> str:
    """Where the console opens: a teacher's own page, the campaigns board for staff and admins."""
    return "/console/campaigns" if is_staff(user) else "/console/me"


def me(ctx: Context) -> User:
    """Any logged-in user: who am I."""
    return ctx.user


async def change_my_password(ctx: Context, *, data: PasswordChange, throttle: LoginThrottle, client: str) -> None:
    """Any logged-in user, also one that must set a password first (`current_password` is then
    the activation code or the admin's reset password). Throttled like a login, so a stolen
    session cannot guess its way to the password. Every session ends, this one too."""
    if await _check_credentials(ctx.session, throttle=throttle, username=ctx.user.username,
                                password=data.current_password, client=client, now=ctx.now) is None:
        raise InvalidField("current_password", "当前密码或开通码不正确 (current password or activation code is wrong)")
    await accounts.set_password(ctx.session, user=ctx.user, password=data.new_password, must_change=False)
    await ctx.session.commit()


async def create_user(ctx: Context, *, data: UserIn) -> User:
    """Admin: a research staff member or another admin."""
    require_admin(ctx.user)
    user = await accounts.create_user(ctx.session, data=data)
    await ctx.session.commit()
    return user


async def list_users(ctx: Context, *, role: Role | None, offset: int, limit: int) -> Page:
    require_staff(ctx.user)
    return await page_of(ctx, stmt=accounts.users_query(role=role), offset=offset, limit=limit)


async def update_user(ctx: Context, *, user_id: int, data: UserUpdate) -> User:
    """Admin: edit a login, deactivate it (its sessions end), or reset its password (to be changed
    at the next login; its sessions end)."""
    require_admin(ctx.user)
    user = await get_or_404(ctx.session, User, user_id)
    values = data.model_dump(exclude_unset=True)
    if "password" in values:
        await accounts.set_password(ctx.session, user=user, password=values.pop("password"), must_change=True)
    if "active" in values:
        await accounts.set_active(ctx.session, user=user, active=values.pop("active"))
    for key, value in values.items():
        setattr(user, key, value)
    await ctx.session.commit()
    return user


# ---- activation codes of teachers' logins (staff, admin) ----


def _code_lifetime(settings: Settings) -> timedelta:
    return timedelta(days=settings.activation_code_days)


async def issue_activation_sheet(ctx: Context, *, school_id: int) -> tuple[bytes, list[activation.Letter]]:
    """Staff, admin: a new code for every active teacher of the school who has not set a password
    yet (their earlier codes stop working): the school's 开通单 (XLSX), and the letters to e-mail."""
    require_staff(ctx.user)
    await get_or_404(ctx.session, School, school_id)
    teachers = await activation.waiting_for_activation(ctx.session, school_id=school_id)
    letters = await activation.issue_letters(ctx.session, teachers=teachers, issued_by=ctx.user.id, now=ctx.now,
                                             lifetime=_code_lifetime(ctx.settings))
    await ctx.session.commit()
    return activation.activation_sheet(letters=letters, tz=ctx.settings.tz), letters


async def reissue_activation_code(ctx: Context, *, teacher_id: int) -> activation.Letter:
    """Staff, admin: a new code for one teacher who has not set a password yet; the previous one
    stops working. A teacher who has set one asks an admin for a reset (PATCH /users/{id})."""
    require_staff(ctx.user)
    teacher = await get_or_404(ctx.session, Teacher, teacher_id)
    if not teacher.active or teacher.user is None or not teacher.user.active:
        raise Conflict("教师已停用 (the teacher is deactivated)")
    if teacher.user.password_hash is not None:
        raise Conflict("该教师已设置密码，无需开通码 (already activated: an admin can reset the password)")
    (letter,) = await activation.issue_letters(ctx.session, teachers=[teacher], issued_by=ctx.user.id, now=ctx.now,
                                               lifetime=_code_lifetime(ctx.settings))
    await ctx.session.commit()
    return letter


async def mail_activation_codes(*, letters: list[activation.Letter], settings: Settings) -> None:
    """After the answer: e-mail the codes to the teachers who have an address."""
    await activation.mail_letters(letters=letters, settings=settings)
