"""The organisation tree: district → school group (学段组) → cluster (片区) → school → teacher."""

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contracts.directory.api import GradeBand, Locality
from models.base import Base, TimestampMixin


class District(TimestampMixin, Base):
    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(32), unique=True)


class SchoolGroup(TimestampMixin, Base):
    __tablename__ = "school_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    grade_band: Mapped[GradeBand] = mapped_column(String(8))


class Cluster(TimestampMixin, Base):
    __tablename__ = "clusters"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_group_id: Mapped[int] = mapped_column(ForeignKey("school_groups.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    organiser_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Circular with schools.cluster_id, hence use_alter.
    lead_school_id: Mapped[int | None] = mapped_column(
        ForeignKey("schools.id", use_alter=True, name="fk_clusters_lead_school_id_schools")
    )


class School(TimestampMixin, Base):
    __tablename__ = "schools"
    __table_args__ = (UniqueConstraint("cluster_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id"), index=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    # Who hears about this school's absentees.
    contact_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    locality: Mapped[Locality] = mapped_column(String(8), default=Locality.urban, server_default=Locality.urban.value)


class Teacher(TimestampMixin, Base):
    __tablename__ = "teachers"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_no: Mapped[str] = mapped_column(String(32), unique=True)  # 工号
    name: Mapped[str] = mapped_column(String(100))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    grade_band: Mapped[GradeBand] = mapped_column(String(8), index=True)
    phone: Mapped[str] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)

    subject_rows: Mapped[list["TeacherSubject"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="TeacherSubject.position"
    )
    user: Mapped["User | None"] = relationship(back_populates="teacher", lazy="selectin")  # noqa: F821

    @property
    def subjects(self) -> list[str]:
        return [row.subject for row in self.subject_rows]

    @subjects.setter
    def subjects(self, subjects: list[str]) -> None:
        # Keep the rows that stay, so no row is deleted and re-inserted under the same key.
        kept = {row.subject: row for row in self.subject_rows}
        self.subject_rows = [kept.get(s) or TeacherSubject(subject=s) for s in dict.fromkeys(subjects)]
        for position, row in enumerate(self.subject_rows):
            row.position = position


class TeacherSubject(Base):
    """One row per subject a teacher teaches: campaigns select their scope by subject."""

    __tablename__ = "teacher_subjects"

    teacher_id: Mapped[int] = mapped_column(ForeignKey("teachers.id", ondelete="CASCADE"), primary_key=True)
    subject: Mapped[str] = mapped_column(String(50), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(default=0)
