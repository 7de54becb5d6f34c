"""What the console's exchange pages show and offer: the staff board (quota bars, who is away now,
reports due and to assess) and one exchange as its viewer may act on it."""

from dataclasses import dataclass

from actions.context import Context
from actions.exchanges.actions import (
    is_exchange_teacher, list_exchanges, local_today, may_record_dates, quotas_now, readable_exchange,
)
from actions.policy import is_staff
from contracts.exchanges.api import AllianceQuota, ExchangeOut
from contracts.exchanges.history import ExchangeStatus
from services.exchanges import service as exchanges


@dataclass(frozen=True)
class Board:
    quotas: list[AllianceQuota]
    away_now: list[ExchangeOut]
    reports_due: list[ExchangeOut]  # back, report missing: soonest due first
    to_assess: list[ExchangeOut]
    upcoming: list[ExchangeOut]


async def board(ctx: Context, *, cluster_id: int | None = None) -> Board:
    """Staff, admin."""
    quotas = await quotas_now(ctx, year=None, cluster_id=cluster_id)
    live = await list_exchanges(ctx, live_only=True)
    today = local_today(ctx)

    def where(*statuses: ExchangeStatus) -> list[ExchangeOut]:
        return [e for e in live if e.status in statuses]

    return Board(
        quotas=quotas, away_now=where(ExchangeStatus.away),
        reports_due=sorted(where(ExchangeStatus.returned), key=lambda e: e.report_due),
        to_assess=where(ExchangeStatus.reported),
        upcoming=[e for e in where(ExchangeStatus.planned) if e.planned_start >= today],
    )


@dataclass(frozen=True)
class ExchangePage:
    exchange: ExchangeOut
    may_report: bool  # the teacher, once back, until assessed
    may_assess: bool  # staff, once the report is in
    may_record_dates: bool  # staff and both schools' contacts, until the report is in
    may_postpone: bool  # staff, before it begins


async def exchange_page(ctx: Context, *, exchange_id: int) -> ExchangePage:
    """Staff, admin, the exchanged teacher, both schools' contacts."""
    exchange = await readable_exchange(ctx, exchange_id)
    out = await exchanges.view(ctx.session, exchange, settings=ctx.settings)
    return ExchangePage(
        exchange=out,
        may_report=await is_exchange_teacher(ctx, exchange) and out.status in (ExchangeStatus.returned, ExchangeStatus.reported),
        may_assess=is_staff(ctx.user) and out.status == ExchangeStatus.reported,
        may_record_dates=await may_record_dates(ctx, exchange) and out.status in (
            ExchangeStatus.planned, ExchangeStatus.away, ExchangeStatus.returned),
        may_postpone=is_staff(ctx.user) and out.status == ExchangeStatus.planned,
    )
