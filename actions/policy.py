"""Who may do what, by role: the checks every action module starts from. Ownership and scope
(the campaign's members, a series' organiser, a task's assignee) are decided beside the actions
they guard, in the same layer; nothing above this layer checks a role."""

from contracts.directory.api import Role
from contracts.errors import Forbidden
from models import User

STAFF_ROLES = (Role.staff, Role.admin)


def require_role(user: User, *roles: Role) -> None:
    """403 naming the roles that may, e.g. "需要角色 staff 或 admin (requires role: staff or admin)"."""
    if user.role not in roles:
        raise Forbidden(f"需要角色 {' 或 '.join(roles)} (requires role: {' or '.join(roles)})",
                        required_roles=[role.value for role in roles])


def is_staff(user: User) -> bool:
    """Research staff (教研员) and admins: they run campaigns and sessions for the county."""
    return user.role in STAFF_ROLES


def is_admin(user: User) -> bool:
    return user.role == Role.admin


def require_staff(user: User) -> None:
    require_role(user, *STAFF_ROLES)


def require_admin(user: User) -> None:
    require_role(user, Role.admin)


def require_teacher(user: User) -> None:
    require_role(user, Role.teacher)


# The reason of the 403 a login gets until it sets a password of its own (activation code, reset).
MUST_CHANGE_PASSWORD = "must_change_password"


def needs_new_password(user: User) -> bool:
    """Logged in with an activation code or a password an admin set: only setting one is allowed."""
    return user.must_change_password


def require_password_set(user: User) -> None:
    if needs_new_password(user):
        raise Forbidden("请先设置新密码 (set a new password first: POST /api/v1/me/password)",
                        reason=MUST_CHANGE_PASSWORD)
