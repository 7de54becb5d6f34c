"""The shared library (合作教研云) in the console, at phone width: browse and search, upload (the
near-copies shown before publishing), a resource's page with its preview, versions and borrowings,
the offers to publish what the work produced, and staff's figures per school and alliance."""

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from actions.context import Context
from actions.library import actions as library_actions
from api.files import file_response
from console.auth import ConsoleContext, CsrfChecked
from console.forms import FORM, errors_of, lines
from console.render import page
from contracts.directory.api import GradeBand
from contracts.errors import DomainError
from contracts.library.api import (
    BORROW_LABELS, KIND_LABELS, VISIBILITY_LABELS, BorrowIn, Filters, OfferAccept, ResourceIn, ResourceKind,
    VersionIn, Visibility,
)
from contracts.limits import Id

router = APIRouter(prefix="/library")
READ_CHUNK = 1024 * 1024
DONE = {"bookmark": "已收藏", "use": "已记录借鉴，谢谢分享你的做法", "withdraw": "已撤回", "version": "新版本已上传",
        "published": "已发布到合作教研云"}  # fmt: skip
LABELS = {"kinds": KIND_LABELS, "visibilities": VISIBILITY_LABELS, "borrow_labels": BORROW_LABELS,
          "grade_bands": [(band.value, band.value) for band in GradeBand]}
Text = Annotated[str, Form(max_length=20_000)]


def _page(request: Request, template: str, ctx: Context, **context):
    return page(request, template, ctx.user, **LABELS, **context)


@router.get("")
async def browse(request: Request, ctx: ConsoleContext, q: str = "", kind: ResourceKind | None = None,
                 subject: str = "", grade_band: GradeBand | None = None, term: str = "", offset: int = 0):
    filters = Filters(kind=kind, subject=subject or None, grade_band=grade_band, term=term or None)
    found = await library_actions.find(ctx, q=q[:200], filters=filters, offset=max(offset, 0), limit=20)
    pending = [offer for offer in await library_actions.my_offers(ctx) if offer.status == "offered"]
    return _page(request, "library.html", ctx, found=found, pending=len(pending), offset=max(offset, 0),
                 values={"q": q, "kind": kind or "", "subject": subject, "grade_band": grade_band or "", "term": term})


async def _chunks(file: UploadFile):
    while chunk := await file.read(READ_CHUNK):
        yield chunk


@router.get("/upload")
async def upload_form(request: Request, ctx: ConsoleContext, resource_id: Id | None = None):
    return _page(request, "library_upload.html", ctx, errors={}, values={"resource_id": resource_id or ""})


@router.post("/upload", dependencies=[CsrfChecked], summary="上传资源文件")
async def upload(request: Request, ctx: ConsoleContext, file: Annotated[UploadFile, File()],
                 kind: Annotated[ResourceKind, Form()] = ResourceKind.lesson_plan,
                 resource_id: Annotated[str, Form()] = ""):
    """Step one: the file is stored and checked; step two shows its near-copies beside the form."""
    values = {"kind": kind, "resource_id": resource_id}
    try:
        stored = await library_actions.upload(ctx, kind=kind, filename=file.filename or "", chunks=_chunks(file))
    except DomainError as exc:
        status_code, errors = errors_of(exc, field="file")
        return page(request, "library_upload.html", ctx.user, status_code=status_code, errors=errors, values=values,
                    **LABELS)
    return _page(request, "library_publish.html", ctx, upload=stored, errors={},
                 values={**values, "title": stored.filename.rsplit(".", 1)[0], "visibility": Visibility.county})


@router.post("/publish", dependencies=[CsrfChecked], summary="发布资源")
async def publish(request: Request, ctx: ConsoleContext, kind: Annotated[ResourceKind, Form()],
                  title: Text = "", description: Text = "", subject: Text = "", grade_band: Annotated[str, Form()] = "",
                  tags: Text = "", visibility: Annotated[str, Form()] = "county", file_id: Annotated[str, Form()] = "",
                  link: Text = ""):
    values = {"kind": kind, "title": title, "description": description, "subject": subject, "grade_band": grade_band,
              "tags": tags, "visibility": visibility, "file_id": file_id, "link": link}
    try:
        data = ResourceIn(kind=kind, title=title, description=description, subject=subject or None,
                          grade_band=grade_band or None, tags=lines(tags.replace("，", "\n").replace(",", "\n")),
                          visibility=visibility, file_id=file_id or None, link=link or None)
        created = await library_actions.create_resource(ctx, data=data)
    except (ValidationError, DomainError) as exc:
        status_code, errors = errors_of(exc, field=FORM)
        return page(request, "library_publish.html", ctx.user, status_code=status_code, errors=errors, values=values,
                    upload=None, **LABELS)
    return RedirectResponse(f"/console/library/resources/{created.id}?done=published", status_code=303)


@router.get("/resources/{resource_id}")
async def resource_page(request: Request, resource_id: Id, ctx: ConsoleContext, done: str = ""):
    detail = await library_actions.read(ctx, resource_id=resource_id)
    like = await library_actions.more_like_this(ctx, resource_id=resource_id)
    return _page(request, "library_resource.html", ctx, detail=detail, like=like, flash=DONE.get(done, ""),
                 author=detail.author_user_id == ctx.user.id, errors={})


@router.get("/resources/{resource_id}/file")
async def resource_file(resource_id: Id, ctx: ConsoleContext, version: Id | None = None, inline: bool = False):
    return file_response(await library_actions.download(ctx, resource_id=resource_id, version=version, inline=inline))


def _done(resource_id: int, done: str) -> RedirectResponse:
    return RedirectResponse(f"/console/library/resources/{resource_id}?done={done}", status_code=303)


@router.post("/resources/{resource_id}/bookmark", dependencies=[CsrfChecked], summary="收藏资源")
async def bookmark(resource_id: Id, ctx: ConsoleContext):
    await library_actions.bookmark(ctx, resource_id=resource_id)
    return _done(resource_id, "bookmark")


@router.post("/resources/{resource_id}/use", dependencies=[CsrfChecked], summary="借鉴资源")
async def use(resource_id: Id, ctx: ConsoleContext, note: Annotated[str, Form(max_length=2000)] = ""):
    await library_actions.use(ctx, resource_id=resource_id, data=BorrowIn(note=note))
    return _done(resource_id, "use")


@router.post("/resources/{resource_id}/withdraw", dependencies=[CsrfChecked], summary="撤回资源")
async def withdraw(resource_id: Id, ctx: ConsoleContext):
    await library_actions.withdraw(ctx, resource_id=resource_id)
    return _done(resource_id, "withdraw")


@router.post("/resources/{resource_id}/versions", dependencies=[CsrfChecked], summary="上传资源新版本")
async def add_version(resource_id: Id, ctx: ConsoleContext, file_id: Annotated[Id, Form()],
                      note: Annotated[str, Form(max_length=500)] = ""):
    await library_actions.add_version(ctx, resource_id=resource_id, data=VersionIn(file_id=file_id, note=note))
    return _done(resource_id, "version")


@router.get("/offers")
async def offers(request: Request, ctx: ConsoleContext):
    return _page(request, "library_offers.html", ctx, offers=await library_actions.my_offers(ctx))


@router.post("/offers/{offer_id}/accept", dependencies=[CsrfChecked], summary="发布成果到资源库")
async def accept(offer_id: Id, ctx: ConsoleContext, visibility: Annotated[Visibility, Form()] = Visibility.county):
    published = await library_actions.accept_offer(ctx, offer_id=offer_id, data=OfferAccept(visibility=visibility))
    return _done(published.id, "published")


@router.post("/offers/{offer_id}/decline", dependencies=[CsrfChecked], summary="不发布成果")
async def decline(offer_id: Id, ctx: ConsoleContext):
    await library_actions.decline_offer(ctx, offer_id=offer_id)
    return RedirectResponse("/console/library/offers", status_code=303)


@router.get("/figures")
async def figures(request: Request, ctx: ConsoleContext, term: str = ""):
    result = await library_actions.figures(ctx, term=term[:8] or None)
    alliances: dict[int, dict] = {}
    for row in result.schools:
        total = alliances.setdefault(row.cluster_id, {"cluster": row.cluster, "uploads": 0, "borrowings": 0,
                                                      "borrowed_elsewhere": 0})
        for key in ("uploads", "borrowings", "borrowed_elsewhere"):
            total[key] += getattr(row, key)
    return _page(request, "library_figures.html", ctx, figures=result, alliances=alliances)
