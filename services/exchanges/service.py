"""An exchange's record under its rules: created (by hand or imported), its actual dates, the
teacher's return report, a postponement and the assessment (both written by the run's activities).
Keyword-only functions over a session; they flush, the caller commits."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from config import Settings
from contracts.errors import Conflict, InvalidField
from contracts.exchanges.api import ActualDatesIn, ExchangeIn, ExchangeOut
from contracts.exchanges.history import (
    LIVE_EXCHANGES, NOT_STARTED, AssessRequest, ExchangeState, ExchangeStatus, PostponeRequest,
)
from models import Exchange, School, Teacher, User
from services.directory.service import get_or_404

NOTICE_TIME = time(9, 0)  # an exchange's notices go out at 09:00 local time on their day
STATUS_WORDS = {
    ExchangeStatus.planned: "尚未出发", ExchangeStatus.away: "交流中", ExchangeStatus.returned: "已返回，待交总结",
    ExchangeStatus.reported: "总结已交，待考核", ExchangeStatus.assessed: "已考核", ExchangeStatus.cancelled: "已取消",
}


def at_notice_time(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, NOTICE_TIME, tzinfo=tz)


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def returned_on(exchange: Exchange) -> date:
    """The day back at the home school: the actual one once recorded, else the planned one."""
    return exchange.actual_end or exchange.planned_end


def report_due(exchange: Exchange, settings: Settings) -> date:
    return returned_on(exchange) + timedelta(days=settings.exchange_report_due_days)


def import_key(*, staff_no: str, host_school_id: int, planned_start: date) -> str:
    return f"{staff_no}:{host_school_id}:{planned_start.isoformat()}"


def state_of(exchange: Exchange) -> ExchangeState:
    return ExchangeState(status=exchange.status, planned_start=exchange.planned_start,
                         planned_end=exchange.planned_end)


async def checked_agreement(session: AsyncSession, *, data: ExchangeIn) -> Teacher:
    """The teacher of the agreement, once it names an active teacher and a host school not her own."""
    teacher = await session.get(Teacher, data.teacher_id)
    if teacher is None or not teacher.active:
        raise InvalidField("teacher_id", f"教师 {data.teacher_id} 不存在或已停用 (no such active teacher)")
    if await session.get(School, data.host_school_id) is None:
        raise InvalidField("host_school_id", f"学校 {data.host_school_id} 不存在 (does not exist)")
    if data.host_school_id == teacher.school_id:
        raise InvalidField("host_school_id", "交流学校不能是教师本校 (the host must be another school)")
    return teacher


async def create_exchange(session: AsyncSession, *, data: ExchangeIn, actor: User | None) -> Exchange:
    teacher = await checked_agreement(session, data=data)
    key = import_key(staff_no=teacher.staff_no, host_school_id=data.host_school_id, planned_start=data.planned_start)
    if await session.scalar(select(Exchange.id).where(Exchange.import_key == key)) is not None:
        raise Conflict("该教师到该校同一开始日期的交流已存在 (this exchange exists already)", fields=["import_key"])
    exchange = Exchange(import_key=key, home_school_id=teacher.school_id, steps_done=[],
                        created_by_user_id=actor.id if actor else None, **data.model_dump())
    session.add(exchange)
    await session.flush()
    return exchange


def _refuse_unless(exchange: Exchange, allowed: tuple[ExchangeStatus, ...], what: str) -> None:
    if exchange.status not in allowed:
        raise Conflict(f"交流{STATUS_WORDS[exchange.status]}，不能{what} (not allowed while {exchange.status})",
                       status=str(exchange.status))


async def set_actual_dates(session: AsyncSession, *, exchange: Exchange, data: ActualDatesIn,
                           today: date) -> Exchange:
    """Record when the exchange really began and ended; they move its status (and the report's due
    date). Only what has happened: no date after today."""
    _refuse_unless(exchange, (ExchangeStatus.planned, ExchangeStatus.away, ExchangeStatus.returned), "修改实际日期")
    for field in ("actual_start", "actual_end"):
        if (getattr(data, field) or today) > today:
            raise InvalidField(field, "实际日期不能晚于今天 (only dates that have passed)")
    start = data.actual_start or exchange.actual_start
    end = data.actual_end or exchange.actual_end
    if end is not None and start is None:
        raise InvalidField("actual_start", "请先填写实际出发日期 (the actual start comes first)")
    if end is not None and end < start:
        raise InvalidField("actual_end", "返回日期不能早于出发日期 (back before it began)")
    exchange.actual_start, exchange.actual_end = start, end
    exchange.status = ExchangeStatus.returned if end is not None else ExchangeStatus.away
    await session.flush()
    return exchange


async def submit_report(session: AsyncSession, *, exchange: Exchange, content: str, now: datetime) -> Exchange:
    """The teacher's return report: once she is back (actual end recorded); editable until assessed."""
    _refuse_unless(exchange, (ExchangeStatus.returned, ExchangeStatus.reported), "提交交流总结")
    exchange.report = content
    exchange.report_submitted_at = exchange.report_submitted_at or now
    exchange.status = ExchangeStatus.reported
    await session.flush()
    return exchange


async def postpone(session: AsyncSession, *, exchange: Exchange, request: PostponeRequest) -> bool:
    """Move the planned dates later (the end by as much as the start, unless given). False if the
    exchange already has these dates (the activity run again)."""
    new_end = request.new_end or exchange.planned_end + (request.new_start - exchange.planned_start)
    if (exchange.planned_start, exchange.planned_end) == (request.new_start, new_end):
        return False
    _refuse_unless(exchange, NOT_STARTED, "推迟")
    exchange.planned_start, exchange.planned_end = request.new_start, new_end
    await session.flush()
    return True


async def cancel(session: AsyncSession, *, exchange: Exchange) -> bool:
    """Call the exchange off before it ends; False if it already is (the activity run again)."""
    if exchange.status == ExchangeStatus.cancelled:
        return False
    _refuse_unless(exchange, (ExchangeStatus.planned, ExchangeStatus.away), "取消")
    exchange.status = ExchangeStatus.cancelled
    await session.flush()
    return True


async def record_assessment(session: AsyncSession, *, exchange: Exchange, request: AssessRequest,
                            now: datetime) -> bool:
    """The staff assessment on the three points; False if it is already recorded (the activity run again)."""
    if exchange.status == ExchangeStatus.assessed:
        return False
    _refuse_unless(exchange, (ExchangeStatus.reported,), "考核（总结尚未提交）")
    for field in ("teaching_results", "local_influence", "collaboration", "outcome"):
        setattr(exchange, field, getattr(request, field))
    exchange.assessment_comment = request.comment
    exchange.assessed_by_user_id = request.actor_user_id
    exchange.assessed_at = now
    exchange.status = ExchangeStatus.assessed
    await session.flush()
    return True


async def views(session: AsyncSession, exchanges: list[Exchange], *, settings: Settings) -> list[ExchangeOut]:
    """Exchanges as the API and pages show them, with the names of the teacher and the schools."""
    teacher_ids = {e.teacher_id for e in exchanges}
    school_ids = {e.home_school_id for e in exchanges} | {e.host_school_id for e in exchanges}
    teachers = dict((await session.execute(select(Teacher.id, Teacher.name).where(Teacher.id.in_(teacher_ids)))).all())
    schools = dict((await session.execute(select(School.id, School.name).where(School.id.in_(school_ids)))).all())
    return [ExchangeOut.model_validate(exchange).model_copy(update={
        "teacher_name": teachers.get(exchange.teacher_id, ""),
        "home_school_name": schools.get(exchange.home_school_id, ""),
        "host_school_name": schools.get(exchange.host_school_id, ""),
        "report_due": report_due(exchange, settings) if exchange.status in LIVE_EXCHANGES else None,
    }) for exchange in exchanges]


async def view(session: AsyncSession, exchange: Exchange, *, settings: Settings) -> ExchangeOut:
    (out,) = await views(session, [exchange], settings=settings)
    return out


async def get_exchange(session: AsyncSession, exchange_id: int) -> Exchange:
    return await get_or_404(session, Exchange, exchange_id)


async def exchanges_of_user(session: AsyncSession, *, user_id: int) -> list[Exchange]:
    """The exchanges of the teacher with this login, latest first."""
    return list(await session.scalars(
        select(Exchange).join(Teacher, Teacher.id == Exchange.teacher_id).where(Teacher.user_id == user_id)
        .order_by(Exchange.planned_start.desc())))


async def exchange_list(session: AsyncSession, *, statuses: tuple[ExchangeStatus, ...] | None = None,
                        limit: int = 500) -> list[Exchange]:
    stmt = select(Exchange).order_by(Exchange.planned_start, Exchange.id).limit(limit)
    if statuses is not None:
        stmt = stmt.where(Exchange.status.in_(statuses))
    return list(await session.scalars(stmt))


async def live_exchanges(session: AsyncSession, *, after_id: int, limit: int) -> list[tuple[int, str]]:
    """A page of the exchanges that should have a run, in id order after `after_id`: (id, username of
    who created it). The reconciler (engine/reconcile.py) pages them."""
    rows = await session.execute(
        select(Exchange.id, func.coalesce(User.username, "")).outerjoin(User, User.id == Exchange.created_by_user_id)
        .where(Exchange.status.in_(LIVE_EXCHANGES), Exchange.id > after_id).order_by(Exchange.id).limit(limit))
    return [(exchange_id, username) for exchange_id, username in rows]
