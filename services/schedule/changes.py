"""A schedule change is stored first (the database is the truth about occurrences), then handed to
its record's run as an Update. The change row also keeps what the run must be told, so a run the
Update never reached (Temporal unreachable at that moment) finds it at its next step: nothing is
dropped (decision 0001, "a change to a schedule"). The same for a series and a tour."""

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.notifications.history import NotifyRequest

FOR_RUN = "for_run"  # the key of a change row's data holding what its run must be told


@dataclass
class StoredChange:
    """A stored change (`row`: a change-log row with id, action and data) of `record` (the series
    or tour) and what its run must tell people about it."""

    record: Any
    row: Any
    notices: list[NotifyRequest] = field(default_factory=list)

    def for_run(self) -> dict:
        """The change as its run takes it (the domain's history model validates it)."""
        return {"change_id": self.row.id, "action": self.row.action,
                "notices": [notice.model_dump(mode="json") for notice in self.notices]}

    def keep_for_run(self) -> None:
        self.row.data = {**self.row.data, FOR_RUN: self.for_run()}


async def not_seen(session: AsyncSession, *, table: type, owner_column, owner_id: int,
                   seen: Collection[int]) -> list[dict]:
    """Stored changes of one record its run has not taken, oldest first (a term holds a few dozen)."""
    rows = await session.scalars(select(table).where(owner_column == owner_id, table.id.not_in(seen)).order_by(table.id))
    return [row.data[FOR_RUN] for row in rows if FOR_RUN in row.data]
