"""The exchange pages of the console: the staff board with its quota bars, and the teacher's own
exchange page, reached from her notice's link, where she writes her return report; and her to-do until she has."""

import re
from datetime import date, datetime, timezone

from sqlalchemy import select

from models import Exchange, User
from services.exchanges import service
from services.exchanges.todos import todos_for
from tests.conftest import console_login
from tests.exchanges_support import add_exchange

HOSTILE = "<script>alert(1)</script>"


async def test_the_board_and_the_return_report_form(api, session_factory):
    today = date.today()
    exchange_id = await add_exchange(session_factory, "t0002", "东城小学", start=date(today.year - 1, 9, 1), days=30)

    await console_login(api, "t0002")
    mine = await api.get("/console/me/exchanges")  # her only exchange: straight to its page
    assert mine.status_code == 303 and mine.headers["location"] == f"/console/exchanges/{exchange_id}"
    page = await api.get(f"/console/exchanges/{exchange_id}")
    assert page.status_code == 200 and 'name="content"' in page.text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)
    empty = await api.post(f"/console/exchanges/{exchange_id}/report", data={"csrf": csrf, "content": " "})
    assert empty.status_code == 422 and 'id="error-content"' in empty.text
    sent = await api.post(f"/console/exchanges/{exchange_id}/report", data={"csrf": csrf, "content": HOSTILE})
    assert sent.status_code == 303 and sent.headers["location"].endswith("?done=report")
    shown = await api.get(sent.headers["location"])
    assert "交流总结已提交" in shown.text and HOSTILE not in shown.text and "&lt;script&gt;" in shown.text
    assert (await api.get("/console/exchanges")).status_code == 403  # the board is the staff's

    api.cookies.clear()
    await console_login(api, "staff01")
    board = await api.get("/console/exchanges")
    assert board.status_code == 200, board.text
    assert "<progress" in board.text and "待考核（1）" in board.text and "城区小学第一片" in board.text
    assessment = await api.get(f"/console/exchanges/{exchange_id}")
    assert 'name="teaching_results"' in assessment.text

    # A planned one: staff may postpone it, or record the day it really began (never a day ahead).
    planned = await add_exchange(session_factory, "t0003", "东城小学", start=today, days=14, actual=False)
    form = (await api.get(f"/console/exchanges/{planned}")).text
    assert 'name="new_start"' in form and 'name="actual_start"' in form
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', form).group(1)
    ahead = await api.post(f"/console/exchanges/{planned}/actual-dates", data={"csrf": csrf, "actual_start": "2199-01-01"})
    assert ahead.status_code == 422 and 'id="error-actual_start"' in ahead.text
    began = await api.post(f"/console/exchanges/{planned}/actual-dates", data={"csrf": csrf, "actual_start": str(today)})
    assert began.status_code == 303
    assert "交流中" in (await api.get(began.headers["location"])).text


async def test_her_todo_is_the_report_until_she_hands_it_in(session_factory, demo):
    exchange_id = await add_exchange(session_factory, "t0002", "东城小学", start=date(2026, 3, 2), days=14)
    now = datetime.now(timezone.utc)
    async with session_factory() as session:
        user = await session.scalar(select(User).where(User.username == "t0002"))
        (todo,) = await todos_for(session, user=user, now=now)
        assert (todo.source, todo.action, todo.link) == ("exchange", "return_report", f"/console/exchanges/{exchange_id}")
        assert todo.due.date() == date(2026, 3, 30) and todo.title == "提交交流总结：东城小学"
        other = await session.scalar(select(User).where(User.username == "t0003"))
        assert await todos_for(session, user=other, now=now) == []
        exchange = await session.get(Exchange, exchange_id)
        await service.submit_report(session, exchange=exchange, content="已完成", now=now)
        await session.commit()
        assert await todos_for(session, user=user, now=now) == []
