"""Teachers of the directory and roster imports (staff, admin)."""

from typing import Annotated

from fastapi import APIRouter, Query, UploadFile, status

from actions.directory import actions as directory_actions
from api.deps import ContextDep, PageDep
from contracts.directory.api import GradeBand, ImportRejected, ImportResult, Page, TeacherIn, TeacherOut, TeacherUpdate
from contracts.limits import Id

router = APIRouter(prefix="/teachers", tags=["teachers"])


@router.post("", response_model=TeacherOut, status_code=status.HTTP_201_CREATED, summary="新增教师")
async def create_teacher(data: TeacherIn, ctx: ContextDep):
    """Staff, admin: add one teacher (and her login: username = 工号)."""
    return await directory_actions.create_teacher(ctx, data=data)


@router.get("", response_model=Page[TeacherOut])
async def list_teachers(
    ctx: ContextDep,
    paging: PageDep,
    school_id: Id | None = None,
    cluster_id: Id | None = None,
    subject: str | None = None,
    grade_band: GradeBand | None = None,
    active: bool | None = None,
    q: Annotated[str | None, Query(description="name or staff number contains")] = None,
):
    """Staff, admin: the directory's teachers, paged and filtered."""
    return await directory_actions.list_teachers(
        ctx, school_id=school_id, cluster_id=cluster_id, subject=subject, grade_band=grade_band, active=active, q=q,
        offset=paging.offset, limit=paging.limit,
    )


@router.post("/import", response_model=ImportResult,
             responses={422: {"model": ImportRejected, "description": "nothing imported"}}, summary="导入教师名册")
async def import_teachers(file: UploadFile, ctx: ContextDep):
    """Staff, admin: import a roster (CSV in UTF-8 or GBK, or XLSX) with the columns
    工号, 姓名, 学校, 学科, 学段, 手机, 邮箱. All or nothing: any bad row → 422 listing every one."""
    content = await file.read()  # at most MAX_IMPORT_BYTES: the body's size is capped before it is read
    return await directory_actions.import_roster(ctx, content=content, filename=file.filename or "")


@router.get("/{teacher_id}", response_model=TeacherOut)
async def read_teacher(teacher_id: Id, ctx: ContextDep):
    """Staff, admin."""
    return await directory_actions.read_teacher(ctx, teacher_id=teacher_id)


@router.patch("/{teacher_id}", response_model=TeacherOut, summary="修改教师信息")
async def update_teacher(teacher_id: Id, data: TeacherUpdate, ctx: ContextDep):
    """Staff, admin."""
    return await directory_actions.update_teacher(ctx, teacher_id=teacher_id, data=data)
