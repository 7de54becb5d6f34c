from typing import Annotated

from fastapi import APIRouter, Query, UploadFile, status

from api.deps import PageDep, SessionDep, StaffUser
from contracts.directory import GradeBand, ImportResult, Page, TeacherIn, TeacherOut, TeacherUpdate
from models import Teacher
from services import directory, roster

router = APIRouter(prefix="/teachers", tags=["teachers"])

MAX_ROSTER_BYTES = 10 * 1024 * 1024


@router.post("", response_model=TeacherOut, status_code=status.HTTP_201_CREATED)
async def create_teacher(data: TeacherIn, session: SessionDep, _: StaffUser):
    """Staff, admin: add one teacher (and her login: username = 工号)."""
    teacher = await directory.create_teacher(session, data=data)
    await session.commit()
    return teacher


@router.get("", response_model=Page[TeacherOut])
async def list_teachers(
    session: SessionDep,
    _: StaffUser,
    paging: PageDep,
    school_id: int | None = None,
    cluster_id: int | None = None,
    subject: str | None = None,
    grade_band: GradeBand | None = None,
    active: bool | None = None,
    q: Annotated[str | None, Query(description="name or staff number contains")] = None,
):
    """Staff, admin: the directory's teachers, paged and filtered."""
    stmt = directory.teachers_query(
        school_id=school_id, cluster_id=cluster_id, subject=subject, grade_band=grade_band, q=q, active=active
    )
    items, total = await directory.page(session, stmt=stmt, offset=paging.offset, limit=paging.limit)
    return Page(items=items, total=total, offset=paging.offset, limit=paging.limit)


@router.post("/import", response_model=ImportResult)
async def import_teachers(file: UploadFile, session: SessionDep, _: StaffUser):
    """Staff, admin: import a roster (CSV in UTF-8 or GBK, or XLSX) with the columns
    工号, 姓名, 学校, 学科, 学段, 手机, 邮箱. All or nothing: any bad row → 422 listing every one."""
    content = await file.read(MAX_ROSTER_BYTES + 1)
    if len(content) > MAX_ROSTER_BYTES:
        raise roster.RosterRejected([roster.ImportRowError(row=0, column="", reason="文件超过 10 MB (file too large)")])
    result = await roster.import_roster(session, content=content, filename=file.filename or "")
    await session.commit()
    return result


@router.get("/{teacher_id}", response_model=TeacherOut)
async def read_teacher(teacher_id: int, session: SessionDep, _: StaffUser):
    """Staff, admin."""
    return await directory.get_or_404(session, Teacher, teacher_id)


@router.patch("/{teacher_id}", response_model=TeacherOut)
async def update_teacher(teacher_id: int, data: TeacherUpdate, session: SessionDep, _: StaffUser):
    """Staff, admin."""
    teacher = await directory.update(session, obj=await directory.get_or_404(session, Teacher, teacher_id), data=data)
    await session.commit()
    return teacher
