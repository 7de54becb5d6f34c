"""Finding resources: by words (title, description, tags) and by meaning (sentence vectors), under
the filters a teacher picks and the visibility the actions decide; "more like this"; and the
near-copies a new upload is shown before it is published."""

from dataclasses import asdict

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.library.api import Filters, ResourceStatus, Shelves, SimilarResource, Visibility
from models import LibraryFile, Resource, ResourceVector, ResourceVersion
from services import sentence_vectors
from services.library import text as document_text
from services.library import vectors
from services.library.vectors import VectorIndex

CANDIDATES = 200  # resources a query considers (the best by words and meaning), before visibility
MEANING_FLOOR = 0.35  # cosine below which a resource is not "about" the query
WORD_BONUS = 1.0  # a resource that has the query's words ranks above those only near in meaning
NEAR_COPY = 0.5  # shingle resemblance from which a text is "the same with small changes"
NEAR_COPY_CANDIDATES = 20


FILTERED = {"kind": Resource.kind, "subject": Resource.subject, "grade_band": Resource.grade_band,
            "school_id": Resource.school_id, "cluster_id": Resource.cluster_id, "term": Resource.term}


def on_shelves(shelves: Shelves) -> ColumnElement[bool]:
    """Shelves.hold as a condition on the resources table."""
    if shelves.everything:
        return true()
    return or_(Resource.visibility == Visibility.county,
               and_(Resource.visibility == Visibility.alliance, Resource.cluster_id == shelves.alliance_id),
               and_(Resource.visibility == Visibility.school, Resource.school_id == shelves.school_id),
               Resource.author_user_id == shelves.own_user_id if shelves.own_user_id else false())


def _listed(visible: Shelves, filters: Filters) -> list[ColumnElement[bool]]:
    chosen = [FILTERED[name] == value for name, value in asdict(filters).items() if value is not None]
    return [on_shelves(visible), Resource.status == ResourceStatus.published, *chosen]


async def search(session: AsyncSession, index: VectorIndex, *, visible: Shelves, filters: Filters,
                 q: str, offset: int, limit: int) -> tuple[list[tuple[Resource, float]], int]:
    """Newest first without words; with them, those that contain them (title, description, tags)
    first, then by meaning. The words and the meaning are matched in the process's index; the
    database applies visibility and status to the candidates (and picks the filtered ones first)."""
    where = _listed(visible, filters)
    if not q:
        total = await session.scalar(select(func.count()).select_from(Resource).where(*where))
        page = await session.scalars(select(Resource).where(*where).order_by(Resource.id.desc())
                                     .offset(offset).limit(limit))
        return [(resource, 0.0) for resource in page], total
    among = set(await session.scalars(select(Resource.id).where(*where))) if any(asdict(filters).values()) else None
    await index.catch_up(session)
    [query] = await vectors.encode([q])
    scores = dict(index.rank(query, words=q, bonus=WORD_BONUS, limit=CANDIDATES, at_least=MEANING_FLOOR, among=among))
    shown = sorted(await session.scalars(select(Resource.id).where(*where, Resource.id.in_(scores))),
                   key=lambda rid: (-scores[rid], -rid))
    page = shown[offset : offset + limit]
    rows = {r.id: r for r in await session.scalars(select(Resource).where(Resource.id.in_(page)))}
    return [(rows[rid], scores[rid]) for rid in page], len(shown)


async def more_like(session: AsyncSession, index: VectorIndex, *, resource: Resource, visible: Shelves,
                    limit: int) -> list[tuple[Resource, float]]:
    vector = await session.scalar(select(ResourceVector.vector).where(ResourceVector.resource_id == resource.id))
    if vector is None:
        return []
    await index.catch_up(session)
    near = dict(index.nearest(sentence_vectors.from_bytes(vector), limit=limit + 1, at_least=MEANING_FLOOR))
    near.pop(resource.id, None)
    found = await session.scalars(select(Resource).where(*_listed(visible, Filters()), Resource.id.in_(near)))
    return sorted(((r, near[r.id]) for r in found), key=lambda hit: -hit[1])[:limit]


async def near_copies(session: AsyncSession, index: VectorIndex, *, upload: LibraryFile,
                      visible: Shelves) -> list[SimilarResource]:
    """Published resources the reader can see whose current file has the same bytes, or whose words
    are the same with small changes (candidates by meaning, then compared shingle by shingle)."""
    where = _listed(visible, Filters())
    same = (await session.execute(
        select(Resource.id, Resource.title).join(ResourceVersion, (ResourceVersion.resource_id == Resource.id)
                                                 & (ResourceVersion.number == Resource.version))
        .join(LibraryFile, LibraryFile.id == ResourceVersion.file_id)
        .where(*where, LibraryFile.sha256 == upload.sha256, LibraryFile.id != upload.id))).all()
    similar = [SimilarResource(resource_id=rid, title=title, reason="same_bytes", similarity=1.0) for rid, title in same]
    if upload.text.strip():
        await index.catch_up(session)
        [vector] = await vectors.encode([upload.text[: vectors.WORDS_ENCODED]])
        near = [rid for rid, _ in index.nearest(vector, limit=NEAR_COPY_CANDIDATES, at_least=0.0)]
        seen = {s.resource_id for s in similar}
        for resource in await session.scalars(select(Resource).where(*where, Resource.id.in_(near))):
            alike = document_text.resemblance(upload.text, resource.text)
            if alike >= NEAR_COPY and resource.id not in seen:
                similar.append(SimilarResource(resource_id=resource.id, title=resource.title, reason="similar_text",
                                               similarity=round(alike, 3)))
    return similar
