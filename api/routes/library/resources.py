"""The shared library (合作教研云): upload and publish, versions, withdraw, search by words and
meaning, "more like this", files, bookmarks and uses (借鉴), and staff's figures per school."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import StreamingResponse

from actions.library import actions as library_actions
from api.audit import set_audit_subject
from api.deps import ContextDep, PageDep
from api.files import file_response
from contracts.directory.api import GradeBand
from contracts.library.api import (
    BorrowIn, Figures, Filters, ResourceDetail, ResourceIn, ResourceKind, ResourceOut, SearchHit, SearchPage, UploadOut,
    VersionIn,
)
from contracts.limits import Id

router = APIRouter(prefix="/library", tags=["library"])
RESOURCE = "/resources/{resource_id}"
RAW_BODY = {"requestBody": {"required": True, "content": {
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}
FILE_ANSWER = {200: {"content": {"application/octet-stream": {}}, "description": "the file, as a download"}}
Text = Annotated[str, Query(max_length=200)]


@router.post("/uploads", response_model=UploadOut, status_code=status.HTTP_201_CREATED, openapi_extra=RAW_BODY,
             summary="上传资源文件")
async def upload(request: Request, kind: ResourceKind, ctx: ContextDep, filename: Text = ""):
    """A school's teacher: the file is the raw body (streamed; at most LIBRARY_MAX_BYTES of its kind,
    else 413). Checked by its bytes: a type the library does not keep (HTML, SVG, scripts...) is a
    422 naming the type found. The answer lists resources it nearly copies (same bytes, or the same
    words with small changes), to be shown before publishing it with POST /library/resources."""
    uploaded = await library_actions.upload(ctx, kind=kind, filename=filename, chunks=request.stream())
    set_audit_subject(request, "uploads", uploaded.id)
    return uploaded


@router.post("/resources", response_model=ResourceOut, status_code=status.HTTP_201_CREATED, summary="发布资源")
async def create_resource(request: Request, data: ResourceIn, ctx: ContextDep):
    """A school's teacher: publish an upload of hers (`file_id`) or a link, under her school and alliance,
    visible to her school, her alliance or the county."""
    created = await library_actions.create_resource(ctx, data=data)
    set_audit_subject(request, "resources", created.id)
    return created


@router.get("/resources", response_model=SearchPage)
async def search(ctx: ContextDep, page: PageDep, q: Text = "", kind: ResourceKind | None = None,
                 subject: Annotated[str | None, Query(max_length=50)] = None, grade_band: GradeBand | None = None,
                 school_id: Id | None = None, cluster_id: Id | None = None,
                 term: Annotated[str | None, Query(max_length=8)] = None):
    """Everyone: the resources she may see (staff: the county's), by words and by meaning (`q`),
    filtered by kind, subject, grade band, school, alliance (`cluster_id`) and term (e.g. 2026秋)."""
    filters = Filters(kind=kind, subject=subject, grade_band=grade_band, school_id=school_id, cluster_id=cluster_id,
                      term=term)
    return await library_actions.find(ctx, q=q, filters=filters, offset=page.offset, limit=page.limit)


@router.get(RESOURCE, response_model=ResourceDetail)
async def read_resource(resource_id: Id, ctx: ContextDep):
    """Whoever it is shared with (403 naming with whom otherwise): the resource with its versions and
    uses; reading it counts as a view (the author's own never count)."""
    return await library_actions.read(ctx, resource_id=resource_id)


@router.get(RESOURCE + "/similar", response_model=list[SearchHit])
async def more_like_this(resource_id: Id, ctx: ContextDep):
    """Whoever may read it: the resources nearest to it in meaning that the reader may see."""
    return await library_actions.more_like_this(ctx, resource_id=resource_id)


@router.get(RESOURCE + "/file", response_class=StreamingResponse, responses=FILE_ANSWER)
async def download(resource_id: Id, ctx: ContextDep, version: Id | None = None, inline: bool = False):
    """Whoever may see it: the current (or a given) version's file as a download; `inline=true` shows
    a PDF or image in the browser, under the same sandboxing policy. Counts as a download."""
    return file_response(await library_actions.download(ctx, resource_id=resource_id, version=version, inline=inline))


@router.post(RESOURCE + "/versions", response_model=ResourceOut, summary="上传资源新版本")
async def add_version(resource_id: Id, data: VersionIn, ctx: ContextDep):
    """Its author: a new version, an upload of hers (`file_id`) or a link."""
    return await library_actions.add_version(ctx, resource_id=resource_id, data=data)


@router.post(RESOURCE + "/withdraw", response_model=ResourceOut, summary="撤回资源")
async def withdraw(resource_id: Id, ctx: ContextDep):
    """Its author, staff: gone from lists, search and downloads."""
    return await library_actions.withdraw(ctx, resource_id=resource_id)


@router.post(RESOURCE + "/bookmark", status_code=status.HTTP_204_NO_CONTENT, summary="收藏资源")
async def bookmark(resource_id: Id, ctx: ContextDep):
    """Whoever may see it: keep it in her bookmarks."""
    await library_actions.bookmark(ctx, resource_id=resource_id)


@router.delete(RESOURCE + "/bookmark", status_code=status.HTTP_204_NO_CONTENT, summary="取消收藏")
async def unbookmark(resource_id: Id, ctx: ContextDep):
    """Whoever may read it: drop it from her bookmarks."""
    await library_actions.unbookmark(ctx, resource_id=resource_id)


@router.post(RESOURCE + "/uses", status_code=status.HTTP_204_NO_CONTENT, summary="借鉴资源")
async def use(resource_id: Id, data: BorrowIn, ctx: ContextDep):
    """Whoever may see it: "I used this in my class" (借鉴), with an optional note."""
    await library_actions.use(ctx, resource_id=resource_id, data=data)


@router.get("/figures", response_model=Figures)
async def figures(ctx: ContextDep, term: Annotated[str | None, Query(max_length=8)] = None):
    """Staff, admin: per school (with its alliance), uploads and borrowings across schools over a term
    (default: the current one)."""
    return await library_actions.figures(ctx, term=term)
