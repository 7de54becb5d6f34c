"""The shared library (合作教研云): uploading and publishing, versions, withdrawing, finding,
borrowing, the offers to publish what the work produced, and staff's figures.

Every action here is a person acting on her own records or reading: it writes to the database and
commits (decision 0001, "a teacher acts"); no run is involved. Who may see what: visibility.py."""

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass

from actions.context import Context
from actions.library.visibility import Reader, available, may_manage, readable, reader, visible_to
from actions.policy import require_staff, require_teacher
from contracts.errors import Conflict, Forbidden, NotFound
from contracts.library.api import (
    BorrowIn, BorrowKind, Figures, Filters, OfferAccept, OfferOut, OfferStatus, ResourceDetail, ResourceIn, ResourceKind,
    ResourceOut, SearchHit, SearchPage, UploadOut, VersionIn, term_of,
)
from models import LibraryFile, Offer, Resource
from services.directory.service import get_or_404
from services.library import borrowings, offers, search, sources
from services.library import service as library
from services.library import uploads
from services.library.filetypes import PREVIEWABLE
from services.library.storage import blob_store
from services.library.vectors import index_for

NOT_AUTHOR = "仅作者或教研员可以操作 (the author or staff only)"
NO_SCHOOL = "只有学校的教师可以发布资源 (only a school's teachers publish resources)"
MORE_LIKE_THIS = 6


async def _home(ctx: Context) -> tuple[int, int]:
    home = await library.home_of(ctx.session, user=ctx.user)
    if home is None:
        raise Forbidden(NO_SCHOOL, required_roles=["teacher"])
    return home


async def _hits(ctx: Context, found: list[tuple[Resource, float]]) -> list[SearchHit]:
    outs = await library.summaries(ctx.session, [resource for resource, _ in found])
    return [SearchHit(**out.model_dump(), score=round(score, 4)) for out, (_, score) in zip(outs, found)]


# ---- publishing ----


async def upload(ctx: Context, *, kind: ResourceKind, filename: str, chunks: AsyncIterable[bytes]) -> UploadOut:
    """A school's teacher: store a file, checked by its bytes, within her kind's size limit; the
    answer shows the resources it nearly copies before she publishes it."""
    require_teacher(ctx.user)
    await _home(ctx)
    stored = await uploads.receive(ctx.session, blob_store(ctx.settings), user=ctx.user, filename=filename,
                                   chunks=chunks, limit=ctx.settings.library_max_bytes[kind])
    await ctx.session.commit()
    similar = await search.near_copies(ctx.session, index_for(ctx.session), upload=stored,
                                       visible=visible_to(await reader(ctx)))
    return UploadOut(id=stored.id, filename=stored.filename, media_type=stored.media_type, size=stored.size,
                     sha256=stored.sha256, similar=similar)


async def create_resource(ctx: Context, *, data: ResourceIn) -> ResourceOut:
    """A school's teacher: publish a file she uploaded, or a link, under her school and alliance."""
    require_teacher(ctx.user)
    home = await _home(ctx)
    file = await library.own_file(ctx.session, file_id=data.file_id, user=ctx.user) if data.file_id else None
    resource = await library.create(
        ctx.session, author=ctx.user, home=home, kind=data.kind, title=data.title, description=data.description,
        subject=data.subject, grade_band=data.grade_band, tags=data.tags, visibility=data.visibility, file=file,
        link=data.link, now=ctx.now)
    await ctx.session.commit()
    [out] = await library.summaries(ctx.session, [resource])
    return out


async def add_version(ctx: Context, *, resource_id: int, data: VersionIn) -> ResourceOut:
    """Its author: a new version (file or link); the older ones stay listed."""
    _, resource = await available(ctx, resource_id)
    if resource.author_user_id != ctx.user.id:
        raise Forbidden("仅作者可以上传新版本 (the author only)")
    file = await library.own_file(ctx.session, file_id=data.file_id, user=ctx.user) if data.file_id else None
    await library.add_version(ctx.session, resource=resource, file=file, link=data.link, note=data.note,
                              actor=ctx.user, now=ctx.now)
    await ctx.session.commit()
    [out] = await library.summaries(ctx.session, [resource])
    return out


async def withdraw(ctx: Context, *, resource_id: int) -> ResourceOut:
    """Its author, staff: gone from lists, search and downloads (withdrawing twice changes nothing)."""
    who, resource = await readable(ctx, resource_id)
    if not may_manage(who, resource):
        raise Forbidden(NOT_AUTHOR)
    library.withdraw(resource, now=ctx.now)
    await ctx.session.commit()
    [out] = await library.summaries(ctx.session, [resource])
    return out


# ---- finding ----


async def find(ctx: Context, *, q: str, filters: Filters, offset: int, limit: int) -> SearchPage:
    """Everyone: what she may see, by words and meaning, with filters; newest first without words."""
    found, total = await search.search(ctx.session, index_for(ctx.session), visible=visible_to(await reader(ctx)),
                                       filters=filters, q=q.strip(), offset=offset, limit=limit)
    return SearchPage(items=await _hits(ctx, found), total=total)


async def more_like_this(ctx: Context, *, resource_id: int) -> list[SearchHit]:
    """Whoever may read it: the resources nearest to it in meaning that she may see."""
    who, resource = await readable(ctx, resource_id)
    return await _hits(ctx, await search.more_like(ctx.session, index_for(ctx.session), resource=resource,
                                                   visible=visible_to(who), limit=MORE_LIKE_THIS))


async def read(ctx: Context, *, resource_id: int) -> ResourceDetail:
    """Whoever may see it: the resource, its versions and uses; reading it counts as a view."""
    who, resource = await readable(ctx, resource_id)
    await _borrow(ctx, who, resource, BorrowKind.view)
    return await library.detail(ctx.session, resource=resource, reader=ctx.user)


# ---- borrowing ----


async def _borrow(ctx: Context, who: Reader, resource: Resource, kind: BorrowKind, note: str = "") -> None:
    await borrowings.record(ctx.session, resource=resource, user_id=ctx.user.id, school_id=who.school_id, kind=kind,
                            note=note, now=ctx.now, tz=ctx.settings.tz)
    await ctx.session.commit()


@dataclass(frozen=True)
class Download:
    file: LibraryFile
    inline: bool  # a PDF or image shown in the page, still under the sandbox policy
    chunks: AsyncIterator[bytes]


async def download(ctx: Context, *, resource_id: int, version: int | None, inline: bool) -> Download:
    """Whoever may see it: a version's file (the current one by default); counts as a download."""
    who, resource = await available(ctx, resource_id)
    file = await library.version_file(ctx.session, resource=resource, number=version or resource.version)
    if file is None:
        raise NotFound("资源文件 (resource file)", f"{resource_id}/v{version or resource.version}")
    await _borrow(ctx, who, resource, BorrowKind.download)
    return Download(file=file, inline=inline and file.media_type in PREVIEWABLE,
                    chunks=blob_store(ctx.settings).read(file.key))


async def bookmark(ctx: Context, *, resource_id: int) -> None:
    """Whoever may see it: keep it in her bookmarks (twice keeps one)."""
    who, resource = await available(ctx, resource_id)
    await _borrow(ctx, who, resource, BorrowKind.bookmark)


async def unbookmark(ctx: Context, *, resource_id: int) -> None:
    _, resource = await readable(ctx, resource_id)
    await borrowings.forget(ctx.session, resource=resource, user_id=ctx.user.id, kind=BorrowKind.bookmark)
    await ctx.session.commit()


async def use(ctx: Context, *, resource_id: int, data: BorrowIn) -> None:
    """Whoever may see it: "I used this in my class" (借鉴), with a note; again replaces the note."""
    who, resource = await available(ctx, resource_id)
    await _borrow(ctx, who, resource, BorrowKind.use, data.note)


# ---- offers to publish what the work produced ----


async def my_offers(ctx: Context) -> list[OfferOut]:
    """Everyone: her records the library offers to publish (made now if the worker has not yet)."""
    if await offers.make_offers(ctx.session, author_user_id=ctx.user.id, now=ctx.now):
        await ctx.session.commit()
    return await offers.offers_of(ctx.session, user_id=ctx.user.id)


async def _open_offer(ctx: Context, offer_id: int) -> Offer:
    offer = await get_or_404(ctx.session, Offer, offer_id)
    if offer.author_user_id != ctx.user.id:
        raise Forbidden("仅作者本人可以决定是否发布 (the author only)")
    if offer.status != OfferStatus.offered:
        raise Conflict(f"已处理：{offer.status} (already decided)", status=str(offer.status))
    return offer


async def accept_offer(ctx: Context, *, offer_id: int, data: OfferAccept) -> ResourceOut:
    """The record's author: publish it as it is now, its metadata filled from the record."""
    offer = await _open_offer(ctx, offer_id)
    record = await sources.publishable(ctx.session, kind=offer.source_kind, source_id=offer.source_id)
    if record is None:
        raise Conflict("原记录已不可发布 (the record is no longer publishable)", status=str(offer.status))
    resource = await library.create(
        ctx.session, author=ctx.user, home=await _home(ctx), kind=record.kind, title=record.title,
        description=record.text, subject=record.subject, grade_band=record.grade_band, tags=[],
        visibility=data.visibility, file=None, link=None, now=ctx.now, origin=record.origin,
        source=(record.source, record.source_id))
    offers.decide(offer, status=OfferStatus.accepted, resource_id=resource.id, now=ctx.now)
    await ctx.session.commit()
    [out] = await library.summaries(ctx.session, [resource])
    return out


async def decline_offer(ctx: Context, *, offer_id: int) -> OfferOut:
    """The record's author: not published, and not offered again."""
    offer = offers.decide(await _open_offer(ctx, offer_id), status=OfferStatus.declined, resource_id=None, now=ctx.now)
    await ctx.session.commit()
    return OfferOut(id=offer.id, source_kind=offer.source_kind, source_id=offer.source_id, title=offer.title,
                    origin=offer.origin, status=offer.status, resource_id=None)


# ---- figures ----


async def figures(ctx: Context, *, term: str | None) -> Figures:
    """Staff, admins: uploads and borrowings across schools per school (and so per alliance) over a term."""
    require_staff(ctx.user)
    term = term or term_of(ctx.now.astimezone(ctx.settings.tz).date())
    return Figures(term=term, schools=await borrowings.figures(ctx.session, term=term))
