from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contracts.directory.api import Role
from models.base import Base, TimestampMixin, utcnow


class User(TimestampMixin, Base):
    """A login. Teachers' logins point at their directory entry; staff and admins stand alone."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    # None until the user sets one with her activation code: no credential comes from directory data.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(String(16), index=True)
    display_name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(200))
    subjects: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    # Part of every token; logout, a password change and deactivation bump it, so older tokens fail.
    token_version: Mapped[int] = mapped_column(default=0, server_default="0")

    teacher: Mapped["Teacher | None"] = relationship(back_populates="user", lazy="selectin")  # noqa: F821

    @property
    def teacher_id(self) -> int | None:
        return self.teacher.id if self.teacher else None


class ActivationCode(Base):
    """A one-time code that lets a teacher without a password set one (开通码). One live code per
    login: reissuing replaces it. The code is random and long, so a fast hash (SHA-256) suffices;
    argon2 for thousands at import time would take minutes."""

    __tablename__ = "activation_codes"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
