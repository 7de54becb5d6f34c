"""What an exchange tells people: the notices' payloads, keys and recipients (a few each: the
teacher, the two schools' contacts, staff); the templates word them."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.directory.api import Role
from contracts.notifications.history import NotifyRequest
from contracts.notifications.notices import ExchangeNotice
from models import Exchange, School, Teacher, User


def exchange_link(exchange: Exchange) -> str:
    """The exchange's page: the teacher's report form, the staff's assessment form."""
    return f"/console/exchanges/{exchange.id}"


def exchange_key(exchange: Exchange, suffix: str) -> str:
    return f"exchange:{exchange.id}:{suffix}"


async def staff_ids(session: AsyncSession) -> list[int]:
    """Research staff (教研员): the county office steers every exchange."""
    return list(await session.scalars(select(User.id).where(User.role == Role.staff, User.active.is_(True))
                                      .order_by(User.id)))


class ExchangePeople:
    """The exchange's teacher, her two schools, and who to tell at each."""

    def __init__(self, exchange: Exchange, teacher: Teacher, home: School, host: School) -> None:
        self.exchange, self.teacher, self.home, self.host = exchange, teacher, home, host

    @classmethod
    async def of(cls, session: AsyncSession, exchange: Exchange) -> "ExchangePeople":
        return cls(exchange, await session.get(Teacher, exchange.teacher_id),
                   await session.get(School, exchange.home_school_id), await session.get(School, exchange.host_school_id))

    def ids(self, *who: str) -> list[int]:
        """User ids of "teacher", "home" (its contact) and "host" (its contact), those that exist."""
        found = {"teacher": self.teacher.user_id, "home": self.home.contact_user_id, "host": self.host.contact_user_id}
        return list(dict.fromkeys(found[w] for w in who if found[w] is not None))

    def notice(self, model: type[ExchangeNotice], suffix: str, user_ids: list[int], **fields) -> NotifyRequest | None:
        """A notice about the exchange, or None when nobody is there to hear it."""
        if not user_ids:
            return None
        exchange = self.exchange
        payload = model(teacher=self.teacher.name, home_school=self.home.name, host_school=self.host.name,
                        exchange_kind=str(exchange.kind), starts_on=exchange.planned_start,
                        ends_on=exchange.actual_end or exchange.planned_end, **fields)
        return NotifyRequest(payload=payload, key=exchange_key(exchange, suffix), user_ids=user_ids,
                             link=exchange_link(exchange))
