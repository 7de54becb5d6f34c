"""Touring lessons (送教下乡 · 巡回送教): studios, tours, their stops; the presenter's checklist and
recording link, check-in, the host school's feedback."""

from datetime import timedelta

from fastapi import APIRouter, Request, UploadFile, status

from actions.tours import actions as tour_actions
from api.audit import set_audit_subject
from api.deps import ContextDep
from api.pending import RUN_PENDING_RESPONSE, created_or_pending
from contracts.directory.api import ImportRejected
from contracts.limits import Id, Moment
from contracts.schedule import RescheduleIn
from contracts.tours.api import (
    ChecklistIn, FeedbackIn, FeedbackOut, RecordingIn, StopCheckinOut, StopDetail, StopSkipIn,
    StopSummary, StudioIn, StudioOut, TourDetail, TourEndIn, TourImportResult, TourIn, TourOut,
)

router = APIRouter(tags=["tours"])
CALENDAR_SPAN = timedelta(days=400)  # the longest period the calendar answers at once
CALENDAR_BEFORE, CALENDAR_AFTER = timedelta(days=30), timedelta(days=365)


@router.post("/studios", response_model=StudioOut, status_code=status.HTTP_201_CREATED, summary="登记名师工作室")
async def create_studio(data: StudioIn, ctx: ContextDep):
    """Staff, admin: a 名师工作室 and its members (who present its tours)."""
    return await tour_actions.create_studio(ctx, data=data)


@router.post("/tours", response_model=TourOut, status_code=status.HTTP_201_CREATED, responses=RUN_PENDING_RESPONSE,
             summary="安排送教下乡")
async def create_tour(request: Request, data: TourIn, ctx: ContextDep):
    """Staff, admin: a tour (a presenter or a studio, a stop per date) and its run (201; with Temporal
    unreachable 202: stored, its run starts when Temporal is back)."""
    created = await tour_actions.create_tour(ctx, data=data)
    set_audit_subject(request, "tour", created.id)
    return created_or_pending(created)


@router.post("/tours/import", response_model=TourImportResult,
             responses={422: {"model": ImportRejected, "description": "nothing imported"}}, summary="导入送教安排")
async def import_tours(file: UploadFile, ctx: ContextDep):
    """Staff, admin: tours from XLSX or CSV, one row per stop, columns 送教活动, 主讲教师 (username) or
    名师工作室, 承办学校, 开始时间, 结束时间, 课题, 学科. All or nothing (422 listing every bad row);
    the same sheet again changes nothing."""
    content = await file.read()  # at most MAX_IMPORT_BYTES: the body's size is capped before it is read
    return await tour_actions.import_tours(ctx, content=content, filename=file.filename or "")


@router.get("/tours", response_model=list[TourOut])
async def list_tours(ctx: ContextDep):
    """Staff, admin: every tour, newest first; a teacher: the tours she presents."""
    return await tour_actions.list_tours(ctx)


@router.get("/tour-calendar", response_model=list[StopSummary])
async def tour_calendar(ctx: ContextDep, start: Moment | None = None, end: Moment | None = None):
    """Staff, admin: every tour's stops starting in [start, end) (at most 400 days; by default from a
    month ago to a year ahead)."""
    start = start or ctx.now - CALENDAR_BEFORE
    return await tour_actions.calendar(ctx, start=start, end=min(end or ctx.now + CALENDAR_AFTER, start + CALENDAR_SPAN))


@router.get("/tours/{tour_id}", response_model=TourDetail)
async def read_tour(tour_id: Id, ctx: ContextDep):
    """Staff, admin, the presenters, the teachers of a school it visits: the tour and its stops."""
    return await tour_actions.read_tour(ctx, tour_id=tour_id)


@router.post("/tours/{tour_id}/end", response_model=TourOut, summary="提前结束送教活动")
async def end_tour(tour_id: Id, data: TourEndIn, ctx: ContextDep):
    """The tour's owning staff, admin: end it early; the stops ahead are called off (409 once ended)."""
    return await tour_actions.end_tour(ctx, tour_id=tour_id, data=data)


@router.get("/tour-stops/{stop_id}", response_model=StopDetail)
async def read_stop(stop_id: Id, ctx: ContextDep):
    """Staff, admin, the presenters, the host school's teachers: one stop with its checklist and feedback."""
    return await tour_actions.read_stop(ctx, stop_id=stop_id)


@router.post("/tour-stops/{stop_id}/reschedule", response_model=StopDetail, summary="调整送教时间")
async def reschedule_stop(stop_id: Id, data: RescheduleIn, ctx: ContextDep):
    """The tour's owning staff, admin: move an upcoming stop (its calendar entry keeps its UID, SEQUENCE grows)."""
    return await tour_actions.reschedule_stop(ctx, stop_id=stop_id, data=data)


@router.post("/tour-stops/{stop_id}/skip", response_model=StopDetail, summary="取消本站送教")
async def skip_stop(stop_id: Id, data: StopSkipIn, ctx: ContextDep):
    """The tour's owning staff, admin: call an upcoming stop off, with a reason."""
    return await tour_actions.skip_stop(ctx, stop_id=stop_id, data=data)


@router.put("/tour-stops/{stop_id}/checklist", response_model=StopDetail, summary="更新送教准备清单")
async def tick_checklist(stop_id: Id, data: ChecklistIn, ctx: ContextDep):
    """The presenters: the positions of the preparation items done."""
    return await tour_actions.tick_checklist(ctx, stop_id=stop_id, data=data)


@router.put("/tour-stops/{stop_id}/recording", response_model=StopDetail, summary="提交送教录像链接")
async def set_recording(stop_id: Id, data: RecordingIn, ctx: ContextDep):
    """The presenters, once the stop has begun: the recording's link (http or https)."""
    return await tour_actions.set_recording(ctx, stop_id=stop_id, data=data)


@router.post("/tour-stops/{stop_id}/checkin", response_model=StopCheckinOut, status_code=status.HTTP_201_CREATED,
             summary="送教签到")
async def check_in(stop_id: Id, ctx: ContextDep):
    """The presenters and the host school's teachers, inside the check-in window (409 naming it outside)."""
    return await tour_actions.check_in(ctx, stop_id=stop_id)


@router.put("/tour-stops/{stop_id}/feedback", response_model=FeedbackOut, summary="填写送教反馈表")
async def give_feedback(stop_id: Id, data: FeedbackIn, ctx: ContextDep):
    """The host school's teachers (not the presenters), once the stop has begun: the feedback form;
    the chasing stops once it is in."""
    return await tour_actions.give_feedback(ctx, stop_id=stop_id, data=data)
