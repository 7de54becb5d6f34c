"""Teacher exchanges (交流轮岗): creating and importing agreements, recording the actual dates, the
teacher's return report, and the staff's decisions (postpone, assess); who may do each.

Write paths (docs/decisions/0001): creating is a record with a run (committed, then its run
started; the reconciler starts a run that failed to start); the report is a teacher's action (the
database only; the run reads it at its next step); the actual dates are a schedule change (stored
first, then `replan` tells the run; a lost one is caught at its next step); postponing and
assessing are staff decisions (an Update first, its validator refusing with 409)."""

from datetime import date

from actions.context import Context
from actions.policy import is_staff, require_staff
from contracts.errors import Forbidden
from contracts.exchanges.api import (
    ActualDatesIn, AllianceQuota, AssessIn, CancelIn, ExchangeImportResult, ExchangeIn, ExchangeOut, PostponeIn,
    ReportIn,
)
from contracts.exchanges.history import LIVE_EXCHANGES
from contracts.runs.api import RunPending
from engine import exchanges as exchange_runs
from engine.starts import NotStarted
from models import Exchange, School
from services.exchanges import importer, quotas
from services.exchanges import service as exchanges

NOT_YOURS = "仅交流教师本人、两校联系人和教研员可以查看 (the teacher, both schools' contacts and staff only)"
NOT_A_CONTACT = "仅两校联系人和教研员可以登记实际日期 (both schools' contacts and staff only)"
NOT_THE_TEACHER = "仅交流教师本人可以提交交流总结 (the exchanged teacher only)"


# ---- who may ----


async def _school_contacts(ctx: Context, exchange: Exchange) -> set[int]:
    schools = [await ctx.session.get(School, exchange.home_school_id), await ctx.session.get(School, exchange.host_school_id)]
    return {school.contact_user_id for school in schools if school and school.contact_user_id}


async def is_exchange_teacher(ctx: Context, exchange: Exchange) -> bool:
    return any(e.id == exchange.id for e in await exchanges.exchanges_of_user(ctx.session, user_id=ctx.user.id))


async def may_record_dates(ctx: Context, exchange: Exchange) -> bool:
    """Staff and admins, and the contacts of the exchange's two schools (they see her leave and come back)."""
    return is_staff(ctx.user) or ctx.user.id in await _school_contacts(ctx, exchange)


async def readable_exchange(ctx: Context, exchange_id: int) -> Exchange:
    """Staff and admins; the exchanged teacher; the contacts of her two schools."""
    exchange = await exchanges.get_exchange(ctx.session, exchange_id)
    if not (is_staff(ctx.user) or ctx.user.id in await _school_contacts(ctx, exchange)
            or await is_exchange_teacher(ctx, exchange)):
        raise Forbidden(NOT_YOURS)
    return exchange


async def _started(ctx: Context, exchange: Exchange) -> Exchange | RunPending:
    try:
        await exchange_runs.start(ctx.temporal, settings=ctx.settings, session=ctx.session, exchange=exchange,
                                  started_by=ctx.user.username)
    except NotStarted:
        return RunPending(id=exchange.id, workflow_id=exchange.workflow_id)
    return exchange


async def _out(ctx: Context, exchange: Exchange) -> ExchangeOut:
    return await exchanges.view(ctx.session, exchange, settings=ctx.settings)


def local_today(ctx: Context) -> date:
    return exchanges.local_day(ctx.now, ctx.settings.tz)


# ---- the agreements ----


async def create_exchange(ctx: Context, *, data: ExchangeIn) -> ExchangeOut | RunPending:
    """Staff, admin: an exchange agreement; its run starts (202 if Temporal does not take it now)."""
    require_staff(ctx.user)
    exchange = await exchanges.create_exchange(ctx.session, data=data, actor=ctx.user)
    await ctx.session.commit()
    started = await _started(ctx, exchange)
    return started if isinstance(started, RunPending) else await _out(ctx, exchange)


async def import_exchanges(ctx: Context, *, content: bytes, filename: str) -> ExchangeImportResult:
    """Staff, admin: all or nothing (422 with every bad row); the same file twice changes nothing.
    The new exchanges' runs start; one Temporal does not take now is started by the reconciler."""
    require_staff(ctx.user)
    result, created = await importer.import_exchanges(ctx.session, content=content, filename=filename, actor=ctx.user)
    await ctx.session.commit()
    for exchange in created:
        await _started(ctx, exchange)
    return result


async def list_exchanges(ctx: Context, *, live_only: bool) -> list[ExchangeOut]:
    """Staff, admin: every exchange, by planned start."""
    require_staff(ctx.user)
    rows = await exchanges.exchange_list(ctx.session, statuses=LIVE_EXCHANGES if live_only else None)
    return await exchanges.views(ctx.session, rows, settings=ctx.settings)


async def my_exchanges(ctx: Context) -> list[ExchangeOut]:
    """Anyone: the exchanges of the teacher logged in (none for staff)."""
    rows = await exchanges.exchanges_of_user(ctx.session, user_id=ctx.user.id)
    return await exchanges.views(ctx.session, rows, settings=ctx.settings)


async def read_exchange(ctx: Context, *, exchange_id: int) -> ExchangeOut:
    """Staff, admin, the exchanged teacher, both schools' contacts."""
    return await _out(ctx, await readable_exchange(ctx, exchange_id))


async def quotas_now(ctx: Context, *, year: int | None, cluster_id: int | None) -> list[AllianceQuota]:
    """Staff, admin: each alliance's quotas for a school year (default: the current one)."""
    require_staff(ctx.user)
    today = local_today(ctx)
    return await quotas.quotas(ctx.session, year=year or quotas.year_of(today, ctx.settings), today=today,
                               settings=ctx.settings, cluster_id=cluster_id)


# ---- what people do ----


async def set_actual_dates(ctx: Context, *, exchange_id: int, data: ActualDatesIn) -> ExchangeOut:
    """Staff, admin, both schools' contacts: when the exchange really began and ended. Stored first,
    then the run re-plans (the report falls due after the actual return)."""
    exchange = await exchanges.get_exchange(ctx.session, exchange_id)
    if not await may_record_dates(ctx, exchange):
        raise Forbidden(NOT_A_CONTACT)
    await exchanges.set_actual_dates(ctx.session, exchange=exchange, data=data, today=local_today(ctx))
    await ctx.session.commit()
    await exchange_runs.replan(ctx.temporal, exchange)
    return await _out(ctx, exchange)


async def submit_report(ctx: Context, *, exchange_id: int, data: ReportIn) -> ExchangeOut:
    """The exchanged teacher, once back: her return report (the run reads it at its next step)."""
    exchange = await exchanges.get_exchange(ctx.session, exchange_id)
    if not await is_exchange_teacher(ctx, exchange):
        raise Forbidden(NOT_THE_TEACHER)
    await exchanges.submit_report(ctx.session, exchange=exchange, content=data.content, now=ctx.now)
    await ctx.session.commit()
    return await _out(ctx, exchange)


async def _staff_decision(ctx: Context, exchange_id: int, decide, request) -> ExchangeOut:
    """A staff decision goes to the exchange's run (an Update: its validator answers 409/422)."""
    require_staff(ctx.user)
    exchange = await exchanges.get_exchange(ctx.session, exchange_id)
    await decide(ctx.temporal, exchange, request)
    await ctx.session.refresh(exchange)
    return await _out(ctx, exchange)


async def postpone(ctx: Context, *, exchange_id: int, data: PostponeIn) -> ExchangeOut:
    """Staff, admin, before the exchange begins: move its start later; its reminders move with it."""
    return await _staff_decision(ctx, exchange_id, exchange_runs.postpone, data.request(ctx.user.id))


async def cancel(ctx: Context, *, exchange_id: int, data: CancelIn) -> ExchangeOut:
    """Staff, admin, before the exchange is over: call it off with a reason; its people are told."""
    return await _staff_decision(ctx, exchange_id, exchange_runs.cancel, data.request(ctx.user.id))


async def assess(ctx: Context, *, exchange_id: int, data: AssessIn) -> ExchangeOut:
    """Staff, admin, once the report is in: the assessment on the three points, a reward or advice."""
    return await _staff_decision(ctx, exchange_id, exchange_runs.assess, data.request(ctx.user.id))
