"""A teacher's exchange to-dos (待办): her return report, once she is back and until she hands it in,
with its deadline and a link straight to the form."""

from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from config import get_settings
from contracts.exchanges.history import ExchangeStatus
from contracts.todos.api import Todo
from models import Exchange, School, Teacher, User
from services.exchanges.notices import exchange_link
from services.exchanges.service import report_due


async def todos_for(session: AsyncSession, *, user: User, now: datetime) -> list[Todo]:
    """Her exchanges back (the actual return recorded) whose report is not in yet: due to the end of
    its day (settings as the worker has them; `now` changes nothing, a report stays due until given)."""
    settings = get_settings()
    rows = (await session.execute(
        select(Exchange, School.name).join(Teacher, Teacher.id == Exchange.teacher_id)
        .join(School, School.id == Exchange.host_school_id)
        .where(Teacher.user_id == user.id, Exchange.status == ExchangeStatus.returned)
        .order_by(Exchange.actual_end))).all()
    return [Todo(source="exchange", action="return_report", title=f"提交交流总结：{host}",
                 due=datetime.combine(report_due(exchange, settings), time(23, 59), settings.tz), link=exchange_link(exchange),
                 record_id=exchange.id) for exchange, host in rows]
