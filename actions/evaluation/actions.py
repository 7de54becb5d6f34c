"""The alliance evaluation (教联体考评): opening a round, the schools' review, entries, overrides,
publishing, the survey, the scheme, the report; and who may do each.

Decisions take decision 1's third row: stored and committed first (the database holds the round's
state; every write checks the stage), then the round's run is nudged to tell people (a dispute to
staff, an answer to the school, the publication); a nudge that does not arrive is caught at the
run's next wake. Teachers' survey answers go to the database only."""

import asyncio
from dataclasses import dataclass

from actions.context import Context
from actions.policy import is_admin, is_staff, require_admin, require_staff
from contracts.errors import Forbidden
from contracts.evaluation.api import (
    AnswerIn, EntryIn, OverrideIn, ReportFormat, ReviewIn, RoundDetail, RoundIn, RoundOut, SchemeOut, SurveyIn,
    SurveyResults,
)
from contracts.evaluation.scheme import Scheme, SourceKind
from contracts.runs.api import RunPending
from engine import evaluation as evaluation_run
from engine.starts import NotStarted
from models import EvaluationRound, EvaluationValue, School
from services.directory.service import get_or_404, teacher_cluster_id
from services.evaluation import decisions, report, schemes, survey, views
from services.evaluation import service as evaluation_service
from services.evaluation.sources import QUERIES

NOT_OF_ALLIANCE = "仅本教联体的教师、教研员和管理员可以查看 (the alliance's teachers, staff and admins only)"
NOT_CONTACT = "仅该校的联络人或管理员可以确认 (the school's contact or an admin only)"
NOT_OWNER = "仅该校的联络人或教研员可以填报 (the school's contact or staff only)"
RENDERERS = {ReportFormat.pdf: report.pdf, ReportFormat.xlsx: report.xlsx}
MEDIA_TYPES = {ReportFormat.pdf: "application/pdf",
               ReportFormat.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


async def _readable(ctx: Context, round_id: int) -> EvaluationRound:
    """Staff and admins read every round; teachers their own alliance's."""
    round_ = await get_or_404(ctx.session, EvaluationRound, round_id)
    if not is_staff(ctx.user) and await teacher_cluster_id(ctx.session, user_id=ctx.user.id) != round_.cluster_id:
        raise Forbidden(NOT_OF_ALLIANCE)
    return round_


async def _steered(ctx: Context, round_id: int) -> EvaluationRound:
    require_staff(ctx.user)
    return await get_or_404(ctx.session, EvaluationRound, round_id)


async def _commit_and_nudge(ctx: Context, round_: EvaluationRound) -> None:
    await ctx.session.commit()
    await evaluation_run.nudge(ctx.temporal, round_=round_)


async def _detail(ctx: Context, round_: EvaluationRound) -> RoundDetail:
    return await views.round_detail(ctx.session, round_)


# ---- the round ----


async def create_round(ctx: Context, *, data: RoundIn) -> RoundOut | RunPending:
    """Staff: open an alliance's round for a term with the current scheme, and start its run."""
    require_staff(ctx.user)
    round_ = await evaluation_service.create_round(ctx.session, data=data, actor=ctx.user, now=ctx.now,
                                                   tz=ctx.settings.tz)
    await ctx.session.commit()
    try:
        await evaluation_run.start(ctx.temporal, settings=ctx.settings, round_=round_, started_by=ctx.user.username)
    except NotStarted:
        return RunPending(id=round_.id, workflow_id=round_.workflow_id)
    return await views.round_out(ctx.session, round_)


async def list_rounds(ctx: Context) -> list[RoundOut]:
    """Staff and admins: every round; teachers: their alliance's."""
    clusters = None if is_staff(ctx.user) else {await teacher_cluster_id(ctx.session, user_id=ctx.user.id)}
    return [await views.round_out(ctx.session, row) for row in await evaluation_service.rounds(
        ctx.session, cluster_ids=clusters)]


async def read_round(ctx: Context, *, round_id: int) -> RoundDetail:
    """Staff, admins, the alliance's teachers: every value at every level, with its records."""
    return await _detail(ctx, await _readable(ctx, round_id))


async def may_review(ctx: Context, *, school_id: int) -> bool:
    school = await get_or_404(ctx.session, School, school_id)
    return is_admin(ctx.user) or school.contact_user_id == ctx.user.id


async def review(ctx: Context, *, round_id: int, school_id: int, data: ReviewIn) -> RoundDetail:
    """The school's contact (or an admin): confirm the school's values, or dispute them with a reason."""
    round_ = await get_or_404(ctx.session, EvaluationRound, round_id)
    if not await may_review(ctx, school_id=school_id):
        raise Forbidden(NOT_CONTACT)
    await decisions.decide_review(ctx.session, round_=round_, school_id=school_id, data=data, actor=ctx.user,
                                  now=ctx.now)
    await _commit_and_nudge(ctx, round_)
    return await _detail(ctx, round_)


async def answer_dispute(ctx: Context, *, round_id: int, school_id: int, data: AnswerIn) -> RoundDetail:
    """Staff: answer a school's dispute (the school is told)."""
    round_ = await _steered(ctx, round_id)
    await decisions.answer_dispute(ctx.session, round_=round_, school_id=school_id, data=data, actor=ctx.user,
                                   now=ctx.now)
    await _commit_and_nudge(ctx, round_)
    return await _detail(ctx, round_)


async def may_enter(ctx: Context, *, value: EvaluationValue) -> bool:
    if is_staff(ctx.user):
        return True
    school = await ctx.session.get(School, value.school_id) if value.school_id else None
    return school is not None and school.contact_user_id == ctx.user.id


async def enter(ctx: Context, *, round_id: int, value_id: int, data: EntryIn) -> RoundDetail:
    """The school's contact, or staff: an entered indicator's value with its evidence."""
    round_ = await get_or_404(ctx.session, EvaluationRound, round_id)
    value = await decisions.value_in_round(ctx.session, round_=round_, value_id=value_id)
    if not await may_enter(ctx, value=value):
        raise Forbidden(NOT_OWNER)
    await decisions.enter(ctx.session, round_=round_, value=value, data=data, actor=ctx.user, now=ctx.now)
    await ctx.session.commit()
    return await _detail(ctx, round_)


async def override(ctx: Context, *, round_id: int, value_id: int, data: OverrideIn) -> RoundDetail:
    """Staff, while scoring: replace a score, saying why (kept beside the computed one)."""
    round_ = await _steered(ctx, round_id)
    value = await decisions.value_in_round(ctx.session, round_=round_, value_id=value_id)
    await decisions.override(ctx.session, round_=round_, value=value, data=data, actor=ctx.user)
    await ctx.session.commit()
    return await _detail(ctx, round_)


async def publish(ctx: Context, *, round_id: int) -> RoundDetail:
    """Staff, once every dispute is answered: freeze the round and tell the schools."""
    round_ = await _steered(ctx, round_id)
    await decisions.publish(ctx.session, round_=round_, actor=ctx.user, now=ctx.now)
    await _commit_and_nudge(ctx, round_)
    return await _detail(ctx, round_)


# ---- the survey ----


async def answer_survey(ctx: Context, *, round_id: int, data: SurveyIn) -> None:
    """Whoever the survey was sent to, once; the answer keeps no trace of who gave it."""
    round_ = await get_or_404(ctx.session, EvaluationRound, round_id)
    await survey.answer(ctx.session, round_=round_, data=data, user=ctx.user)
    await ctx.session.commit()


async def survey_results(ctx: Context, *, round_id: int) -> SurveyResults:
    """Staff: counts, means and comments, never who answered what."""
    round_ = await _steered(ctx, round_id)
    return await survey.results(ctx.session, round_id=round_.id)


# ---- the scheme and the report ----


async def read_scheme(ctx: Context) -> SchemeOut:
    """Staff: the current scheme and the named queries an indicator may be computed by."""
    require_staff(ctx.user)
    row = await schemes.current(ctx.session)
    await ctx.session.commit()
    return SchemeOut(version=row.version, scheme=schemes.scheme_of(row), queries=sorted(QUERIES))


async def save_scheme(ctx: Context, *, scheme: Scheme) -> SchemeOut:
    """Admins: the next version of the scheme; rounds already open keep theirs."""
    require_admin(ctx.user)
    row = await schemes.save_version(ctx.session, scheme=scheme, actor=ctx.user)
    await ctx.session.commit()
    return SchemeOut(version=row.version, scheme=scheme, queries=sorted(QUERIES))


async def round_report(ctx: Context, *, round_id: int, form: ReportFormat) -> tuple[bytes, str]:
    """Staff, admins, the alliance's teachers: the report as HTML, PDF or XLSX, and its media type.
    PDF and XLSX are made in a worker thread (seconds for a large alliance), off the event loop."""
    round_ = await _readable(ctx, round_id)
    built = await report.build(ctx.session, round_=round_, base_url=ctx.settings.public_base_url)
    if form == ReportFormat.html:
        return report.html(built).encode(), "text/html; charset=utf-8"
    return await asyncio.to_thread(RENDERERS[form], built), MEDIA_TYPES[form]


# ---- what the console's round page shows and offers ----


@dataclass(frozen=True)
class RoundPage:
    report: report.Report
    reviewable: set[int]  # schools whose review this user may decide
    enterable: set[int]  # entered values this user may fill
    staff: bool
    invited: bool  # to the survey, and not answered yet


async def round_page(ctx: Context, *, round_id: int) -> RoundPage:
    """Staff, admins, the alliance's teachers."""
    round_ = await _readable(ctx, round_id)
    built = await report.build(ctx.session, round_=round_, base_url=ctx.settings.public_base_url)
    schools = list(await evaluation_service.schools_of(ctx.session, round_.cluster_id))
    reviewable = {school_id for school_id in schools if await may_review(ctx, school_id=school_id)}
    entered = {i.code for i in built.scheme.indicators if i.source == SourceKind.entered}
    enterable = set()
    for value in built.detail.values:
        row = await ctx.session.get(EvaluationValue, value.id)
        if value.indicator in entered and value.school_id is not None and await may_enter(ctx, value=row):
            enterable.add(value.id)
    return RoundPage(report=built, reviewable=reviewable, enterable=enterable, staff=is_staff(ctx.user),
                     invited=await survey.awaiting(ctx.session, round_id=round_.id, user_id=ctx.user.id))
