"""Logins: bootstrap admin, staff accounts, teachers' logins and their activation codes,
authentication, and the token version that ends a login's sessions."""

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.directory.api import Role, UserIn
from contracts.series.api import CalendarScope
from contracts.errors import InvalidField
from models import ActivationCode, CalendarToken, Teacher, User
from models.base import utcnow
from services.accounts.security import (
    activation_code_digest, hash_password, new_activation_code, unmatchable_hash, verify_password,
)


async def user_by_username(session: AsyncSession, *, username: str) -> User | None:
    return await session.scalar(select(User).where(User.username == username))


async def _code_matches(session: AsyncSession, *, user: User, code: str, now: datetime) -> bool:
    row = await session.get(ActivationCode, user.id)
    return row is not None and row.expires_at > now and hmac.compare_digest(row.code_hash, activation_code_digest(code))


async def authenticate(session: AsyncSession, *, username: str, password: str, now: datetime) -> User | None:
    """The active login these credentials open: its password, or, before it has one, its live
    activation code (the login then may only set a password: must_change_password)."""
    user = await user_by_username(session, username=username)
    await _release_connection(session)  # argon2 may queue behind a burst: no connection waits with it
    usable = user is not None and user.active
    if usable and user.password_hash is not None:
        return user if await verify_password(password, user.password_hash) else None
    # As slow as a wrong password: the timing tells nobody which logins exist or await activation.
    await verify_password(password, unmatchable_hash())
    return user if usable and await _code_matches(session, user=user, code=password, now=now) else None


async def _release_connection(session: AsyncSession) -> None:
    """Ends the session's (read-only) transaction, so its connection goes back to the pool, and
    keeps what it loaded attached, unexpired; the next statement takes a connection again."""
    assert not (session.new or session.dirty or session.deleted), "a pending write would be lost"
    loaded = list(session)
    await session.close()
    session.add_all(loaded)


def users_query(*, role: Role | None) -> Select[tuple[User]]:
    stmt = select(User).order_by(User.id)
    return stmt if role is None else stmt.where(User.role == role)


async def create_user(session: AsyncSession, *, data: UserIn) -> User:
    if await user_by_username(session, username=data.username) is not None:
        raise InvalidField("username", f"用户名 {data.username} 已存在 (username taken)")
    if data.role == Role.teacher:
        raise InvalidField("role", "教师账号由名册导入生成 (teacher logins come from the roster)")
    values = data.model_dump(exclude={"password"})
    user = User(**values, password_hash=await hash_password(data.password), teacher=None)
    session.add(user)
    await session.flush()
    return user


def end_sessions(user: User) -> None:
    """Every token issued to this login so far stops working (they carry the old version)."""
    user.token_version += 1


async def set_password(session: AsyncSession, *, user: User, password: str, must_change: bool) -> None:
    """A new password (the user's own, or an admin's reset to be changed at the next login); the
    activation code, if any, is spent, and the sessions opened so far end."""
    user.password_hash = await hash_password(password)
    user.must_change_password = must_change
    end_sessions(user)
    await session.execute(delete(ActivationCode).where(ActivationCode.user_id == user.id))
    await session.flush()


async def set_active(session: AsyncSession, *, user: User, active: bool) -> None:
    """Deactivating a login also ends its sessions and its calendar feeds (reactivating it brings
    back neither: a new feed URL is issued if she wants one)."""
    if user.active and not active:
        end_sessions(user)
        await revoke_calendar_feeds(session, user_id=user.id)
    user.active = active
    await session.flush()


async def revoke_calendar_feeds(session: AsyncSession, *, user_id: int, outside_cluster: int | None = None) -> None:
    """Every feed URL of the login; with `outside_cluster` (a teacher moved to a school there),
    only its feeds of other clusters. Here, with the login, rather than in the series programme:
    the directory, which moves teachers, stands below the programmes."""
    stmt = update(CalendarToken).where(CalendarToken.user_id == user_id, CalendarToken.revoked_at.is_(None))
    if outside_cluster is not None:
        stmt = stmt.where(CalendarToken.scope == CalendarScope.cluster, CalendarToken.cluster_id != outside_cluster)
    await session.execute(stmt.values(revoked_at=utcnow()))


@dataclass(frozen=True)
class IssuedCode:
    """A code as issued: the only moment its plain text exists (it is stored hashed)."""

    code: str
    expires_at: datetime


async def issue_activation_code(
    session: AsyncSession, *, user: User, issued_by: int, now: datetime, lifetime: timedelta
) -> IssuedCode:
    """A new code for a login without a password; the previous code stops working."""
    code = new_activation_code()
    row = await session.get(ActivationCode, user.id) or ActivationCode(user_id=user.id)
    row.code_hash = activation_code_digest(code)
    row.issued_at = now
    row.expires_at = now + lifetime
    row.issued_by = issued_by
    session.add(row)
    await session.flush()
    return IssuedCode(code=code, expires_at=row.expires_at)


def teacher_login(*, staff_no: str, name: str, phone: str | None, email: str | None,
                  password_hash: str | None = None) -> dict:
    """The columns of a teacher's login: named after her staff number; without a password hash it
    opens only with an activation code (issue_activation_code) until she sets one."""
    return {"username": staff_no, "role": Role.teacher, "display_name": name, "phone": phone, "email": email,
            "password_hash": password_hash, "must_change_password": password_hash is None}


async def ensure_teacher_login(session: AsyncSession, *, teacher: Teacher, password_hash: str | None = None) -> bool:
    """Give a teacher a login named after her staff number, once. True if one was created. Without
    a password hash it opens only with an activation code (issue_activation_code) until she sets one."""
    if teacher.user is not None:
        return False
    if await user_by_username(session, username=teacher.staff_no) is not None:
        raise InvalidField("staff_no", f"用户名 {teacher.staff_no} 已被占用 (username taken)")
    teacher.user = User(**teacher_login(staff_no=teacher.staff_no, name=teacher.name, phone=teacher.phone,
                                        email=teacher.email, password_hash=password_hash))
    await session.flush()
    return True


async def bootstrap_admin(session: AsyncSession, *, username: str, password: str) -> bool:
    """Create the first admin from ADMIN_USERNAME / ADMIN_PASSWORD if there is no admin yet."""
    if await session.scalar(select(User.id).where(User.role == Role.admin).limit(1)) is not None:
        return False
    session.add(User(username=username, role=Role.admin, display_name="管理员",
                     password_hash=await hash_password(password)))
    await session.flush()
    return True
