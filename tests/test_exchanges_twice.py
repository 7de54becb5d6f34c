"""Every exchange activity run twice with the same input, as a retry would (its answer lost): the
second answers the same and leaves every table as it was (as tests/test_activities_twice.py does
for campaigns and series)."""

from datetime import date, datetime, timedelta, timezone

from activities.exchanges import ExchangeActivities
from contracts.exchanges.history import (
    AdvanceInput, AssessInput, AssessRequest, CancelInput, CancelRequest, Checkpoint, CheckpointInput, PostponeInput, PostponeRequest,
)
from models import Exchange
from services.exchanges import steps
from tests.exchanges_support import add_exchange
from tests.test_activities_twice import _twice

NOW = datetime(2026, 12, 7, 1, 0, tzinfo=timezone.utc)


async def test_every_exchange_activity_twice(session_factory, demo, settings):
    activities = ExchangeActivities(session_factory, settings)
    ahead = await add_exchange(session_factory, "t0002", "东城小学", start=date(2027, 1, 4), days=14, actual=False)
    async with session_factory() as session:
        exchange = await session.get(Exchange, ahead)
        announce = steps.timeline(exchange, settings)[0]
    at_announce = announce.due_at + timedelta(minutes=1)
    first = await _twice(session_factory, activities.advance_exchange,
                         AdvanceInput(exchange_id=ahead, run=announce, at=at_announce))
    assert [notice.key for notice in first.notices] == [f"exchange:{ahead}:announce:2027-01-04"]
    await _twice(session_factory, activities.postpone_exchange, PostponeInput(
        exchange_id=ahead, at=NOW, request=PostponeRequest(new_start=date(2027, 2, 1), previous_start=date(2027, 1, 4))))

    await _twice(session_factory, activities.cancel_exchange,
                 CancelInput(exchange_id=ahead, at=NOW, request=CancelRequest(reason="交流学校合并")))

    back = await add_exchange(session_factory, "t0003", "东城小学", start=date(2026, 9, 1), days=30)
    async with session_factory() as session:
        exchange = await session.get(Exchange, back)
        exchange.report, exchange.status = "总结", "reported"
        await session.commit()
    await _twice(session_factory, activities.assess_exchange, AssessInput(exchange_id=back, at=NOW, request=AssessRequest(
        teaching_results="优秀", local_influence="良好", collaboration="合格", outcome="reward", comment="好")))
    checkpoint = await _twice(session_factory, activities.quota_checkpoint, CheckpointInput(
        year=2026, run=Checkpoint.mid_year, at=datetime(2027, 2, 6, 1, 0, tzinfo=timezone.utc)))
    assert checkpoint.notices and checkpoint.next.checkpoint == Checkpoint.before_end
