"""SQLAlchemy models. Importing this package registers every table on `Base.metadata`
(Alembic autogenerate and the test database rely on it)."""

from models.base import Base
from models.directory import Cluster, District, School, SchoolGroup, Teacher, TeacherSubject
from models.notifications import InboxItem, Notification
from models.users import User

__all__ = [
    "Base",
    "Cluster",
    "District",
    "InboxItem",
    "Notification",
    "School",
    "SchoolGroup",
    "Teacher",
    "TeacherSubject",
    "User",
]
