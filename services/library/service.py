"""The library's records: resources, their versions, and how they read to a person. Keyword-only
functions over a session; they flush, the caller commits."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.directory.api import GradeBand
from contracts.errors import InvalidField
from contracts.library.api import (
    BorrowingOut, BorrowKind, Counts, ResourceDetail, ResourceKind, ResourceOut, ResourceStatus, SourceKind, VersionOut,
    Visibility, term_of,
)
from models import Borrowing, LibraryFile, Resource, ResourceVersion, School, Teacher, User
from services.library import borrowings, vectors


async def home_of(session: AsyncSession, *, user: User) -> tuple[int, int] | None:
    """(school, cluster) of a teacher; None for staff and admins, who belong to no school."""
    row = (await session.execute(select(School.id, School.cluster_id).join(Teacher, Teacher.school_id == School.id)
                                 .where(Teacher.user_id == user.id))).first()
    return (row[0], row[1]) if row else None


async def own_file(session: AsyncSession, *, file_id: int, user: User) -> LibraryFile:
    """An upload of this user's: anyone else's is as if it did not exist."""
    upload = await session.get(LibraryFile, file_id)
    if upload is None or upload.uploaded_by != user.id:
        raise InvalidField("file_id", f"没有编号为 {file_id} 的上传文件 (no upload {file_id} of yours)")
    return upload


def _need_file_or_link(file: LibraryFile | None, link: str | None) -> None:
    if (file is None) == (link is None):
        raise InvalidField("file_id", "请上传文件或填写链接，二选一 (give a file_id or a link, one of them)")


async def _encode(session: AsyncSession, resource: Resource) -> None:
    [vector] = await vectors.encode([vectors.resource_text(title=resource.title, description=resource.description,
                                                           tags=resource.tags, words=resource.text)])
    await vectors.store(session, resource_id=resource.id, vector=vector)


async def create(session: AsyncSession, *, author: User, home: tuple[int, int], kind: ResourceKind, title: str,
                 description: str, subject: str | None, grade_band: GradeBand | None, tags: Sequence[str],
                 visibility: Visibility, file: LibraryFile | None, link: str | None, now: datetime,
                 origin: str = "", source: tuple[SourceKind, int] | None = None) -> Resource:
    if source is None:  # one filed from the work is its record's words
        _need_file_or_link(file, link)
    school_id, cluster_id = home
    resource = Resource(
        kind=kind, title=title, description=description, subject=subject, grade_band=grade_band, tags=list(tags),
        visibility=visibility, school_id=school_id, cluster_id=cluster_id, author_user_id=author.id, origin=origin,
        source_kind=source[0] if source else None, source_id=source[1] if source else None,
        term=term_of(now.date()), text=file.text if file else "", created_at=now,
    )
    session.add(resource)
    await session.flush()
    session.add(ResourceVersion(resource_id=resource.id, number=1, file_id=file.id if file else None, link=link,
                                created_by=author.id, created_at=now))
    await _encode(session, resource)
    await session.flush()
    return resource


async def add_version(session: AsyncSession, *, resource: Resource, file: LibraryFile | None, link: str | None,
                      note: str, actor: User, now: datetime) -> Resource:
    _need_file_or_link(file, link)
    resource.version += 1
    resource.text = file.text if file else resource.text
    session.add(ResourceVersion(resource_id=resource.id, number=resource.version, file_id=file.id if file else None,
                                link=link, note=note, created_by=actor.id, created_at=now))
    await _encode(session, resource)
    await session.flush()
    return resource


def withdraw(resource: Resource, *, now: datetime) -> Resource:
    """Hidden from lists, search and downloads; its borrowings are kept for the figures."""
    resource.status = ResourceStatus.withdrawn
    resource.withdrawn_at = resource.withdrawn_at or now
    return resource


async def version_file(session: AsyncSession, *, resource: Resource, number: int) -> LibraryFile | None:
    return await session.scalar(select(LibraryFile).join(ResourceVersion, ResourceVersion.file_id == LibraryFile.id)
                                .where(ResourceVersion.resource_id == resource.id, ResourceVersion.number == number))


async def summaries(session: AsyncSession, resources: Sequence[Resource]) -> list[ResourceOut]:
    ids = [r.id for r in resources]
    schools = dict((await session.execute(select(School.id, School.name).where(
        School.id.in_({r.school_id for r in resources})))).all())
    authors = dict((await session.execute(select(User.id, User.display_name).where(
        User.id.in_({r.author_user_id for r in resources})))).all())
    counts = await borrowings.counts(session, resource_ids=ids)
    return [ResourceOut(
        id=r.id, kind=r.kind, title=r.title, description=r.description, subject=r.subject, grade_band=r.grade_band,
        tags=r.tags, visibility=r.visibility, status=r.status, school_id=r.school_id, school=schools.get(r.school_id, ""),
        cluster_id=r.cluster_id, author_user_id=r.author_user_id, author=authors.get(r.author_user_id, ""),
        origin=r.origin, source_kind=r.source_kind, source_id=r.source_id, term=r.term, version=r.version,
        created_at=r.created_at, counts=counts.get(r.id, Counts()),
    ) for r in resources]


async def detail(session: AsyncSession, *, resource: Resource, reader: User) -> ResourceDetail:
    [summary] = await summaries(session, [resource])
    versions = (await session.execute(
        select(ResourceVersion, LibraryFile).outerjoin(LibraryFile, LibraryFile.id == ResourceVersion.file_id)
        .where(ResourceVersion.resource_id == resource.id).order_by(ResourceVersion.number.desc()))).all()
    uses = (await session.execute(
        select(Borrowing, User.display_name, func.coalesce(School.name, "")).join(User, User.id == Borrowing.user_id)
        .outerjoin(School, School.id == Borrowing.school_id)
        .where(Borrowing.resource_id == resource.id, Borrowing.kind == BorrowKind.use)
        .order_by(Borrowing.created_at.desc()).limit(50))).all()
    mine = await session.scalars(select(Borrowing.kind).where(
        Borrowing.resource_id == resource.id, Borrowing.user_id == reader.id,
        Borrowing.kind.in_([BorrowKind.bookmark, BorrowKind.use])))
    return ResourceDetail(
        **summary.model_dump(),
        versions=[VersionOut(number=v.number, filename=f.filename if f else None, media_type=f.media_type if f else None,
                             size=f.size if f else None, link=v.link, note=v.note, created_at=v.created_at)
                  for v, f in versions],
        borrowings=[BorrowingOut(kind=b.kind, user=name, school=school, note=b.note, at=b.created_at)
                    for b, name, school in uses],
        mine=sorted(set(mine)),
    )
