"""Logins: bootstrap admin, staff accounts, teachers' logins, authentication."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.directory import PasswordChange, Role, UserIn
from models import Teacher, User
from contracts.errors import InvalidField
from services.security import hash_password, verify_password

INITIAL_PASSWORD_DIGITS = 6


def initial_password(teacher: Teacher) -> str:
    return teacher.phone[-INITIAL_PASSWORD_DIGITS:]


async def user_by_username(session: AsyncSession, *, username: str) -> User | None:
    return await session.scalar(select(User).where(User.username == username))


async def authenticate(session: AsyncSession, *, username: str, password: str) -> User | None:
    user = await user_by_username(session, username=username)
    if user is None or not user.active:
        return None
    if user.password_hash is None:
        ok = user.teacher is not None and password == initial_password(user.teacher)
    else:
        ok = verify_password(password, user.password_hash)
    return user if ok else None


async def create_user(session: AsyncSession, *, data: UserIn) -> User:
    if await user_by_username(session, username=data.username) is not None:
        raise InvalidField("username", f"用户名 {data.username} 已存在 (username taken)")
    if data.role == Role.teacher:
        raise InvalidField("role", "教师账号由名册导入生成 (teacher logins come from the roster)")
    values = data.model_dump(exclude={"password"})
    user = User(**values, password_hash=hash_password(data.password), teacher=None)
    session.add(user)
    await session.flush()
    return user


async def change_password(session: AsyncSession, *, user: User, data: PasswordChange) -> None:
    if await authenticate(session, username=user.username, password=data.current_password) is None:
        raise InvalidField("current_password", "当前密码不正确 (current password is wrong)")
    user.password_hash = hash_password(data.new_password)
    user.must_change_password = False
    await session.flush()


async def ensure_teacher_login(session: AsyncSession, *, teacher: Teacher, password_hash: str | None = None) -> bool:
    """Give a teacher a login named after her staff number, once. True if one was created."""
    if teacher.user is not None:
        return False
    if await user_by_username(session, username=teacher.staff_no) is not None:
        raise InvalidField("staff_no", f"用户名 {teacher.staff_no} 已被占用 (username taken)")
    teacher.user = User(
        username=teacher.staff_no,
        role=Role.teacher,
        display_name=teacher.name,
        phone=teacher.phone,
        email=teacher.email,
        password_hash=password_hash,
        must_change_password=password_hash is None,
    )
    await session.flush()
    return True


async def bootstrap_admin(session: AsyncSession, *, username: str, password: str) -> bool:
    """Create the first admin from ADMIN_USERNAME / ADMIN_PASSWORD if there is no admin yet."""
    if await session.scalar(select(User.id).where(User.role == Role.admin).limit(1)) is not None:
        return False
    session.add(User(username=username, role=Role.admin, display_name="管理员", password_hash=hash_password(password)))
    await session.flush()
    return True
