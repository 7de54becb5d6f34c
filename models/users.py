from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contracts.directory import Role
from models.base import Base, TimestampMixin


class User(TimestampMixin, Base):
    """A login. Teachers' logins point at their directory entry; staff and admins stand alone."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    # None until the user sets one: the initial password is then the last six digits of the
    # directory phone number (hashing thousands of them at import time would take minutes).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(String(16), index=True)
    display_name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(200))
    subjects: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)

    teacher: Mapped["Teacher | None"] = relationship(back_populates="user", lazy="selectin")  # noqa: F821

    @property
    def teacher_id(self) -> int | None:
        return self.teacher.id if self.teacher else None
