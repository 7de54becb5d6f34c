"""Mentor pairs (青蓝工程): the programme of an alliance, its pairs, what the two teachers record,
staff's decisions, and who may do each.

Write paths (docs/decisions/0001): the two teachers' logs, confirmations, stage forms and
improvement plans go to the database and the pair's run reads them at its next step; staff's
verdicts, a new mentor, an extension and an early end are Updates of the pair's run (validators
refuse what the run's state forbids, its activity what the database's rules forbid). A pair is
committed, then its run started (the reconciler starts any it missed)."""

from dataclasses import dataclass

from actions.context import Context
from actions.policy import is_staff, require_staff
from contracts.errors import Forbidden
from contracts.mentoring.api import (
    Board, EndIn, ExtendIn, ImprovementPlanIn, LogIn, PairDetail, PairIn, PairsImportResult, ProgrammeIn,
    ReplaceMentorIn, StageFormIn, TeacherRef, VerdictIn,
)
from contracts.mentoring.history import EndRequest, ExtendRequest, ReplaceMentorRequest, Side, VerdictRequest
from contracts.runs.api import RunPending
from engine import mentoring as pair_run
from engine.starts import NotStarted
from models import Cluster, MentoringLog, MentoringPair, MentoringProgramme, MentoringStageForm, MentoringVerdict, School
from services.directory.service import get_or_404
from services.mentoring import certificate as certificates
from services.mentoring import imports, views
from services.mentoring import service as mentoring
from services.mentoring.service import People

NOT_OF_PAIR = ("仅结对的两位教师、其学校联系人、教联体牵头校和教研员可以查看 "
               "(the pair's teachers, their school contacts, the alliance's lead school and staff only)")
NOT_A_SIDE = "仅结对的两位教师可以操作 (the pair's two teachers only)"
NOT_LEAD = "仅教研员和教联体牵头校可以查看 (staff and the alliance's lead school only)"
OWN_LOG = "只能确认对方写的记录 (confirm the other side's logs only)"


# ---- who may ----


async def _lead_school_people(ctx: Context, cluster_id: int) -> set[int | None]:
    """The alliance's lead school: its contact, and the cluster's organiser (片长) who runs it."""
    cluster = await ctx.session.get(Cluster, cluster_id)
    lead = await ctx.session.get(School, cluster.lead_school_id) if cluster.lead_school_id else None
    return {cluster.organiser_user_id, lead.contact_user_id if lead else None}


async def _readable_programme(ctx: Context, programme_id: int) -> MentoringProgramme:
    programme = await get_or_404(ctx.session, MentoringProgramme, programme_id)
    if not (is_staff(ctx.user) or ctx.user.id in await _lead_school_people(ctx, programme.cluster_id)):
        raise Forbidden(NOT_LEAD, required_roles=["staff", "admin"])
    return programme


async def _readable_pair(ctx: Context, pair_id: int) -> tuple[MentoringPair, People]:
    pair = await get_or_404(ctx.session, MentoringPair, pair_id)
    people = await mentoring.people_of(ctx.session, pair)
    if is_staff(ctx.user) or people.side_of(ctx.user.id) is not None:
        return pair, people
    programme = await ctx.session.get(MentoringProgramme, pair.programme_id)
    contacts = {people.mentor_school.contact_user_id, people.mentee_school.contact_user_id}
    if ctx.user.id in contacts | await _lead_school_people(ctx, programme.cluster_id):
        return pair, people
    raise Forbidden(NOT_OF_PAIR)


async def _own_side(ctx: Context, pair_id: int) -> tuple[MentoringPair, Side]:
    pair = await get_or_404(ctx.session, MentoringPair, pair_id)
    side = (await mentoring.people_of(ctx.session, pair)).side_of(ctx.user.id)
    if side is None:
        raise Forbidden(NOT_A_SIDE)
    return pair, side


# ---- programmes and pairs (staff) ----


async def create_programme(ctx: Context, *, data: ProgrammeIn) -> MentoringProgramme:
    """Staff, admin: the alliance's programme for a school year, its stage dates and log quota."""
    require_staff(ctx.user)
    programme = await mentoring.create_programme(
        ctx.session, data=data, actor=ctx.user, stage_month_days=ctx.settings.mentoring_stage_dates,
        default_quota=ctx.settings.mentoring_monthly_log_quota)
    await ctx.session.commit()
    return programme


async def list_programmes(ctx: Context) -> list[MentoringProgramme]:
    """Staff, admin: every programme, newest school year first."""
    require_staff(ctx.user)
    return await views.programmes(ctx.session)


async def read_board(ctx: Context, *, programme_id: int) -> Board:
    """Staff, admin, the alliance's lead school: pairs behind, teachers without a mentor."""
    programme = await _readable_programme(ctx, programme_id)
    return await views.board(ctx.session, programme=programme, now=ctx.now, tz=ctx.settings.tz)


@dataclass(frozen=True)
class HomePage:
    programmes: list[MentoringProgramme]  # staff: all; the lead school: its alliance's
    pairs: list[PairDetail]  # hers


async def home_page(ctx: Context) -> HomePage:
    """Anyone: the programmes she may see the board of, and her own pairs."""
    led_by = None if is_staff(ctx.user) else ctx.user.id
    return HomePage(programmes=await views.programmes(ctx.session, led_by_user_id=led_by),
                    pairs=await my_pairs(ctx))


@dataclass(frozen=True)
class BoardPage:
    board: Board
    choices: list[TeacherRef]  # staff create pairs from these; empty for the lead school, who only read


async def board_page(ctx: Context, *, programme_id: int) -> BoardPage:
    """Staff, admin, the alliance's lead school."""
    board = await read_board(ctx, programme_id=programme_id)
    programme = await ctx.session.get(MentoringProgramme, programme_id)
    choices = await views.alliance_teachers(ctx.session, programme=programme) if is_staff(ctx.user) else []
    return BoardPage(board=board, choices=choices)


async def _start(ctx: Context, programme: MentoringProgramme, pair: MentoringPair) -> bool:
    try:
        await pair_run.start(ctx.temporal, settings=ctx.settings, pair=pair, cluster_id=programme.cluster_id,
                             started_by=ctx.user.username)
    except NotStarted:
        return False
    return True


async def create_pair(ctx: Context, *, programme_id: int, data: PairIn) -> MentoringPair | RunPending:
    """Staff, admin: a pair of two teachers of the alliance, and its run for the year."""
    require_staff(ctx.user)
    programme = await get_or_404(ctx.session, MentoringProgramme, programme_id)
    pair = await mentoring.create_pair(ctx.session, programme=programme, data=data, actor=ctx.user)
    await ctx.session.commit()
    return pair if await _start(ctx, programme, pair) else RunPending(id=pair.id, workflow_id=pair.workflow_id)


async def import_pairs(ctx: Context, *, programme_id: int, content: bytes, filename: str) -> PairsImportResult:
    """Staff, admin: all or nothing; the new pairs' runs start once committed (the reconciler starts
    any Temporal did not take)."""
    require_staff(ctx.user)
    programme = await get_or_404(ctx.session, MentoringProgramme, programme_id)
    result, created = await imports.import_pairs(ctx.session, programme=programme, content=content,
                                                 filename=filename, actor=ctx.user)
    await ctx.session.commit()
    for pair in created:
        await _start(ctx, programme, pair)
    return result


async def read_pair(ctx: Context, *, pair_id: int) -> PairDetail:
    """The pair's teachers, their school contacts, the alliance's lead school, staff."""
    pair, _ = await _readable_pair(ctx, pair_id)
    return await views.pair_detail(ctx.session, pair=pair)


async def my_pairs(ctx: Context) -> list[PairDetail]:
    """Any teacher: the pairs she is in (mentor or mentee)."""
    return [await views.pair_detail(ctx.session, pair=pair)
            for pair in await views.pairs_of_user(ctx.session, user_id=ctx.user.id)]


# ---- what the two teachers record ----


async def add_log(ctx: Context, *, pair_id: int, data: LogIn) -> MentoringLog:
    """The pair's teachers: what they did together; the other side confirms it."""
    pair, side = await _own_side(ctx, pair_id)
    log = await mentoring.add_log(ctx.session, pair=pair, side=side, user=ctx.user, data=data, now=ctx.now,
                                  tz=ctx.settings.tz)
    await ctx.session.commit()
    return log


async def confirm_log(ctx: Context, *, log_id: int) -> MentoringLog:
    """The side that did not write the log; confirming twice keeps the first."""
    log = await get_or_404(ctx.session, MentoringLog, log_id)
    _, side = await _own_side(ctx, log.pair_id)
    if side == log.side:
        raise Forbidden(OWN_LOG)
    log = await mentoring.confirm_log(ctx.session, log=log, user=ctx.user, now=ctx.now)
    await ctx.session.commit()
    return log


async def put_stage_form(ctx: Context, *, pair_id: int, stage: int, data: StageFormIn) -> MentoringStageForm:
    """Each of the pair's teachers, her own side's form, while the stage is open."""
    pair, side = await _own_side(ctx, pair_id)
    form = await mentoring.put_stage_form(ctx.session, pair=pair, stage=stage, side=side, user=ctx.user, data=data,
                                          now=ctx.now)
    await ctx.session.commit()
    return form


async def put_improvement_plan(ctx: Context, *, pair_id: int, stage: int, data: ImprovementPlanIn) -> MentoringVerdict:
    """The pair's teachers, after a verdict other than 合格."""
    pair, _ = await _own_side(ctx, pair_id)
    verdict = await mentoring.put_improvement_plan(ctx.session, pair=pair, stage=stage, data=data, now=ctx.now)
    await ctx.session.commit()
    return verdict


# ---- staff decide (Updates of the pair's run) ----


async def _decided(ctx: Context, pair: MentoringPair) -> PairDetail:
    await ctx.session.refresh(pair)  # the run's activity wrote it in a transaction of its own
    return await views.pair_detail(ctx.session, pair=pair)


async def _staff_pair(ctx: Context, pair_id: int) -> MentoringPair:
    require_staff(ctx.user)
    return await get_or_404(ctx.session, MentoringPair, pair_id)


async def decide_stage(ctx: Context, *, pair_id: int, stage: int, data: VerdictIn) -> PairDetail:
    """Staff, admin: 合格 opens the next stage (or completes the pair); 待改进 / 不合格 ask for an
    improvement plan, after which the stage is assessed again. Both forms must be in."""
    pair = await _staff_pair(ctx, pair_id)
    await pair_run.decide_stage(ctx.temporal, pair, VerdictRequest(stage=stage, verdict=data.verdict,
                                                                   comment=data.comment, user_id=ctx.user.id))
    return await _decided(ctx, pair)


async def replace_mentor(ctx: Context, *, pair_id: int, data: ReplaceMentorIn) -> PairDetail:
    """Staff, admin: another teacher of the alliance mentors from now on."""
    pair = await _staff_pair(ctx, pair_id)
    await pair_run.replace_mentor(ctx.temporal, pair, ReplaceMentorRequest(
        mentor_teacher_id=data.mentor_teacher_id, reason=data.reason, user_id=ctx.user.id))
    return await _decided(ctx, pair)


async def extend_pair(ctx: Context, *, pair_id: int, data: ExtendIn) -> PairDetail:
    """Staff, admin: a later end; the last assessment moves with it."""
    pair = await _staff_pair(ctx, pair_id)
    await pair_run.extend(ctx.temporal, pair, ExtendRequest(ends_on=data.ends_on, reason=data.reason,
                                                            user_id=ctx.user.id))
    return await _decided(ctx, pair)


async def end_pair(ctx: Context, *, pair_id: int, data: EndIn) -> PairDetail:
    """Staff, admin: end the pair early; its reminders stop, and both teachers and their schools hear so."""
    pair = await _staff_pair(ctx, pair_id)
    await pair_run.end(ctx.temporal, pair, EndRequest(reason=data.reason, user_id=ctx.user.id))
    return await _decided(ctx, pair)


# ---- the certificate ----


async def certificate(ctx: Context, *, pair_id: int) -> certificates.Certificate:
    """Those who read the pair, once it is completed."""
    return certificates.certificate_of(await read_pair(ctx, pair_id=pair_id))


async def certificate_pdf(ctx: Context, *, pair_id: int) -> bytes:
    return certificates.pdf(await certificate(ctx, pair_id=pair_id))


# ---- the pair's page ----


@dataclass(frozen=True)
class PairPage:
    """A pair as one user sees it: her side decides the forms she gets."""

    detail: PairDetail
    side: Side | None
    staff: bool
    mentors: list[TeacherRef]  # staff may hand the pair to one of these; empty for everyone else


async def pair_page(ctx: Context, *, pair_id: int) -> PairPage:
    pair, people = await _readable_pair(ctx, pair_id)
    staff = is_staff(ctx.user)
    programme = await ctx.session.get(MentoringProgramme, pair.programme_id)
    mentors = [t for t in await views.alliance_teachers(ctx.session, programme=programme)
               if t.id not in (pair.mentor_teacher_id, pair.mentee_teacher_id)] if staff else []
    return PairPage(detail=await views.pair_detail(ctx.session, pair=pair), side=people.side_of(ctx.user.id),
                    staff=staff, mentors=mentors)
