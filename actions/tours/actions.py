"""Touring lessons (送教下乡 · 巡回送教): planning tours, steering them, and what presenters and host
schools do at a stop; who may do each.

Write paths (decision 0001): the presenter's checklist and recording, check-ins and the host's
feedback are teachers acting (to the database; the run reads them when a step falls due); a stop
rescheduled or called off is a change to a schedule (stored, then handed to the run); ending a tour
early is a staff decision (the `end_tour` Update, whose validator answers 409)."""

from dataclasses import dataclass
from datetime import datetime

from actions.context import Context
from actions.policy import is_admin, is_staff, require_staff
from contracts.errors import Forbidden
from contracts.runs.api import RunPending
from contracts.schedule import RescheduleIn
from contracts.tours.api import (
    ChecklistIn, FeedbackIn, RecordingIn, StopDetail, StopSkipIn, StopSummary, StudioIn, StudioOut, TourDetail,
    TourEndIn, TourImportResult, TourIn,
)
from contracts.tours.history import TourEnd
from engine import tours as tour_run
from engine.starts import NotStarted
from models import Tour, TourFeedback, TourStop, TourStopCheckin, User
from services.directory.service import get_or_404
from services.tours import changes as tour_changes
from services.tours import importer
from services.tours import service as tour_service

NOT_OWNER = "仅创建该送教活动的教研员或管理员可以操作 (the tour's owning staff or an admin only)"
NOT_PRESENTER = "仅本次送教的主讲教师可以操作 (the tour's presenters only)"
NOT_HOST = "仅承办学校的教师可以填写反馈 (the host school's teachers only)"
NOT_INVOLVED = "仅主讲教师、承办学校的教师和教研员可以查看 (presenters, host teachers and staff only)"


# ---- who may ----


def can_manage(user: User, *, tour: Tour) -> bool:
    """Admins and the staff member who planned the tour steer it; other staff read it."""
    return is_admin(user) or user.id == tour.created_by_user_id


async def is_presenter(ctx: Context, tour: Tour) -> bool:
    return ctx.user.id in await tour_service.presenter_ids(ctx.session, tour)


async def _stop(ctx: Context, stop_id: int) -> tuple[Tour, TourStop]:
    stop = await get_or_404(ctx.session, TourStop, stop_id)
    return await get_or_404(ctx.session, Tour, stop.tour_id), stop


async def _readable_stop(ctx: Context, stop_id: int) -> tuple[Tour, TourStop]:
    """Staff, the presenters, the host school's teachers."""
    tour, stop = await _stop(ctx, stop_id)
    if not (is_staff(ctx.user) or await is_presenter(ctx, tour)
            or await tour_service.is_host_teacher(ctx.session, stop=stop, user_id=ctx.user.id)):
        raise Forbidden(NOT_INVOLVED)
    return tour, stop


async def _presented_stop(ctx: Context, stop_id: int) -> tuple[Tour, TourStop]:
    tour, stop = await _stop(ctx, stop_id)
    if not await is_presenter(ctx, tour):
        raise Forbidden(NOT_PRESENTER)
    return tour, stop


async def _managed_tour(ctx: Context, tour_id: int) -> Tour:
    tour = await get_or_404(ctx.session, Tour, tour_id)
    if not can_manage(ctx.user, tour=tour):
        raise Forbidden(NOT_OWNER)
    return tour


# ---- tours ----


async def create_studio(ctx: Context, *, data: StudioIn) -> StudioOut:
    """Staff: a 名师工作室 and its members."""
    require_staff(ctx.user)
    studio = await tour_service.create_studio(ctx.session, name=data.name, member_user_ids=data.member_user_ids,
                                              now=ctx.now)
    await ctx.session.commit()
    return StudioOut(id=studio.id, name=studio.name,
                     member_user_ids=await tour_service.studio_members(ctx.session, studio.id))


async def _start(ctx: Context, tour: Tour) -> Tour | RunPending:
    try:
        await tour_run.start(ctx.temporal, settings=ctx.settings, tour=tour, started_by=ctx.user.username)
    except NotStarted:
        return RunPending(id=tour.id, workflow_id=tour.workflow_id)
    return tour


async def create_tour(ctx: Context, *, data: TourIn) -> Tour | RunPending:
    """Staff: plan a tour (a presenter or a studio, a stop per date) and start its run. With Temporal
    unreachable the tour stays and its run starts later (the worker's reconciler)."""
    require_staff(ctx.user)
    tour = await tour_service.create_tour(ctx.session, data=data, actor=ctx.user, now=ctx.now, tz=ctx.settings.tz,
                                          settings=ctx.settings)
    await ctx.session.commit()
    return await _start(ctx, tour)


async def import_tours(ctx: Context, *, content: bytes, filename: str) -> TourImportResult:
    """Staff: tours from an Excel sheet, all or nothing (422 with every bad row); importing the same
    sheet again changes nothing. Each new tour's run starts (or later, by the reconciler)."""
    require_staff(ctx.user)
    result, created = await importer.import_tours(ctx.session, content=content, filename=filename, actor=ctx.user,
                                                  now=ctx.now, settings=ctx.settings)
    await ctx.session.commit()
    for tour in created:
        await _start(ctx, tour)
    return result


async def list_tours(ctx: Context) -> list[Tour]:
    """Staff see every tour; teachers those they present."""
    return await tour_service.tours_list(ctx.session, user_id=None if is_staff(ctx.user) else ctx.user.id)


async def read_tour(ctx: Context, *, tour_id: int) -> TourDetail:
    """Staff, the presenters, and the teachers of a school it visits."""
    tour = await get_or_404(ctx.session, Tour, tour_id)
    detail = await tour_service.tour_detail(ctx.session, tour=tour)
    if not (is_staff(ctx.user) or await is_presenter(ctx, tour)):
        for stop in detail.stops:
            if await tour_service.is_host_teacher(ctx.session, stop=await ctx.session.get(TourStop, stop.id),
                                                  user_id=ctx.user.id):
                return detail
        raise Forbidden(NOT_INVOLVED)
    return detail


async def calendar(ctx: Context, *, start: datetime, end: datetime) -> list[StopSummary]:
    """Staff: every tour's stops in a period (the tour calendar)."""
    require_staff(ctx.user)
    return await tour_service.calendar(ctx.session, start=start, end=end)


async def end_tour(ctx: Context, *, tour_id: int, data: TourEndIn) -> Tour:
    """The tour's owning staff, admins: end it early (the stops ahead are called off); 409 once ended."""
    tour = await _managed_tour(ctx, tour_id)
    await tour_run.end(ctx.temporal, tour=tour, request=TourEnd(reason=data.reason, by_user_id=ctx.user.id, at=ctx.now))
    await ctx.session.refresh(tour)
    return tour


async def _commit_and_send(ctx: Context, change: tour_changes.Change) -> StopDetail:
    change.keep_for_run()
    await ctx.session.commit()
    await tour_run.send_change(ctx.temporal, tour=change.tour, change=change.for_workflow())
    stop = await ctx.session.get(TourStop, change.row.stop_id)
    return await tour_service.stop_detail(ctx.session, tour=change.tour, stop=stop)


async def reschedule_stop(ctx: Context, *, stop_id: int, data: RescheduleIn) -> StopDetail:
    """The tour's owning staff, admins: move an upcoming stop (its calendar entry keeps its UID)."""
    tour, stop = await _stop(ctx, stop_id)
    await _managed_tour(ctx, tour.id)
    return await _commit_and_send(ctx, await tour_changes.reschedule_stop(
        ctx.session, tour=tour, stop=stop, data=data, actor=ctx.user, now=ctx.now, tz=ctx.settings.tz))


async def skip_stop(ctx: Context, *, stop_id: int, data: StopSkipIn) -> StopDetail:
    """The tour's owning staff, admins: call an upcoming stop off, with a reason."""
    tour, stop = await _stop(ctx, stop_id)
    await _managed_tour(ctx, tour.id)
    return await _commit_and_send(ctx, await tour_changes.skip_stop(
        ctx.session, tour=tour, stop=stop, reason=data.reason, actor=ctx.user, now=ctx.now))


# ---- one stop ----


async def read_stop(ctx: Context, *, stop_id: int) -> StopDetail:
    """Staff, the presenters, the host school's teachers."""
    tour, stop = await _readable_stop(ctx, stop_id)
    return await tour_service.stop_detail(ctx.session, tour=tour, stop=stop)


@dataclass(frozen=True)
class StopPage:
    """A stop as one user sees it: what she may do there decides the forms."""

    detail: StopDetail
    presenter: bool
    host: bool
    checked_in: bool
    can_manage: bool


async def stop_view(ctx: Context, *, stop_id: int) -> StopPage:
    """Staff, the presenters, the host school's teachers."""
    tour, stop = await _readable_stop(ctx, stop_id)
    presenter = await is_presenter(ctx, tour)
    return StopPage(
        detail=await tour_service.stop_detail(ctx.session, tour=tour, stop=stop), presenter=presenter,
        host=not presenter and await tour_service.is_host_teacher(ctx.session, stop=stop, user_id=ctx.user.id),
        checked_in=await tour_service.checked_in(ctx.session, stop=stop, user_id=ctx.user.id),
        can_manage=can_manage(ctx.user, tour=tour),
    )


async def tick_checklist(ctx: Context, *, stop_id: int, data: ChecklistIn) -> StopDetail:
    """The presenters: which preparation items are done (the checklist reminder goes only while some are not)."""
    tour, stop = await _presented_stop(ctx, stop_id)
    await tour_service.tick_checklist(ctx.session, tour=tour, stop=stop, ticked=data.ticked, now=ctx.now)
    await ctx.session.commit()
    return await tour_service.stop_detail(ctx.session, tour=tour, stop=stop)


async def set_recording(ctx: Context, *, stop_id: int, data: RecordingIn) -> StopDetail:
    """The presenters, once the stop has begun: the lesson's recording link (http(s) only)."""
    tour, stop = await _presented_stop(ctx, stop_id)
    await tour_service.set_recording(ctx.session, stop=stop, link=data.link, now=ctx.now)
    await ctx.session.commit()
    return await tour_service.stop_detail(ctx.session, tour=tour, stop=stop)


async def check_in(ctx: Context, *, stop_id: int) -> TourStopCheckin:
    """The presenters and the host school's teachers, inside the check-in window (services/attendance)."""
    tour, stop = await _stop(ctx, stop_id)
    if not (await is_presenter(ctx, tour)
            or await tour_service.is_host_teacher(ctx.session, stop=stop, user_id=ctx.user.id)):
        raise Forbidden("仅主讲教师和承办学校的教师可以签到 (presenters and the host school's teachers only)")
    checkin = await tour_service.check_in(ctx.session, tour=tour, stop=stop, user=ctx.user, now=ctx.now,
                                          tz=ctx.settings.tz)
    await ctx.session.commit()
    return checkin


async def give_feedback(ctx: Context, *, stop_id: int, data: FeedbackIn) -> TourFeedback:
    """The host school's teachers (its contact is the one chased), not the presenters: once the stop has begun."""
    tour, stop = await _stop(ctx, stop_id)
    if await is_presenter(ctx, tour) or not await tour_service.is_host_teacher(ctx.session, stop=stop,
                                                                               user_id=ctx.user.id):
        raise Forbidden(NOT_HOST)
    feedback = await tour_service.give_feedback(ctx.session, stop=stop, data=data, user=ctx.user, now=ctx.now)
    await ctx.session.commit()
    return feedback

