"""The shared library (合作教研云): uploaded files, resources and their versions, sentence vectors,
borrowings and the offers to publish what the work produced. Records of other programmes (plans,
reflections, minutes) are named by kind and id, without foreign keys: they live in their own modules."""

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from contracts.directory.api import GradeBand
from contracts.library.api import BorrowKind, OfferStatus, ResourceKind, ResourceStatus, SourceKind, Visibility
from models.base import Base, utcnow


class LibraryFile(Base):
    """A stored file whose bytes were checked; it becomes a resource's version, or stays its
    uploader's alone."""

    __tablename__ = "library_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)  # where the store keeps it
    filename: Mapped[str] = mapped_column(String(200))  # sanitised, its extension the one its bytes are
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    text: Mapped[str] = mapped_column(Text, default="")  # what a document says, for search and near-copies
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Resource(Base):
    __tablename__ = "library_resources"
    __table_args__ = (UniqueConstraint("source_kind", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ResourceKind] = mapped_column(String(20), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str | None] = mapped_column(String(50), index=True)
    grade_band: Mapped[GradeBand | None] = mapped_column(String(8), index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    visibility: Mapped[Visibility] = mapped_column(String(10))
    status: Mapped[ResourceStatus] = mapped_column(String(10), default=ResourceStatus.published, index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id"), index=True)  # the alliance
    author_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    origin: Mapped[str] = mapped_column(String(200), default="")
    source_kind: Mapped[SourceKind | None] = mapped_column(String(20))
    source_id: Mapped[int | None]
    term: Mapped[str] = mapped_column(String(8), index=True)
    version: Mapped[int] = mapped_column(default=1)
    text: Mapped[str] = mapped_column(Text, default="")  # the current version's words, for search
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    withdrawn_at: Mapped[datetime | None]


class ResourceVersion(Base):
    __tablename__ = "library_versions"
    __table_args__ = (UniqueConstraint("resource_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("library_resources.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    file_id: Mapped[int | None] = mapped_column(ForeignKey("library_files.id"))
    link: Mapped[str | None] = mapped_column(String(500))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ResourceVector(Base):
    """A resource's sentence vector (services/sentence_vectors.py), of its title, description and words.
    Re-encoding writes a new row (a higher id): that is how every process's matrix learns of it."""

    __tablename__ = "library_vectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("library_resources.id", ondelete="CASCADE"), unique=True)
    model: Mapped[str] = mapped_column(String(40))
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class Borrowing(Base):
    """One borrowing of a resource by one user: a view or download once a day, a bookmark and a use
    (借鉴) once (`day` empty); the school is the borrower's when she borrowed."""

    __tablename__ = "library_borrowings"
    __table_args__ = (UniqueConstraint("resource_id", "user_id", "kind", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("library_resources.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)  # None: staff
    kind: Mapped[BorrowKind] = mapped_column(String(10))
    day: Mapped[str] = mapped_column(String(10), default="")
    term: Mapped[str] = mapped_column(String(8), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Offer(Base):
    """The library's offer to a record's author to publish it; nothing is published until she accepts."""

    __tablename__ = "library_offers"
    __table_args__ = (UniqueConstraint("source_kind", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_kind: Mapped[SourceKind] = mapped_column(String(20))
    source_id: Mapped[int]
    author_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    origin: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[OfferStatus] = mapped_column(String(10), default=OfferStatus.offered)
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("library_resources.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
