"""Who sees a mentor pair (its two teachers, their school contacts, the alliance's lead school,
staff) and who sees the programme's board; and a teacher's to-dos from her pair, which drop once
done."""

from datetime import datetime, timezone

from sqlalchemy import select

from models import User
from services.mentoring.todos import todos_for
from tests.mentoring_support import matrix_world


async def test_the_pair_is_read_by_its_people_only_and_her_todos_drop_once_done(api, login, session_factory, settings):
    today = datetime.now(settings.tz).date()
    world = await matrix_world(session_factory, today=today, mentor="t0007")  # t0007 (school 2) mentors t0002 (school 1)
    pair, board = f"/api/v1/mentoring/pairs/{world['pair_id']}", f"/api/v1/mentoring/programmes/{world['programme_id']}/board"
    # t0001: the mentee's school contact and the lead school's; t0006: the mentor's school contact.
    for username, reads_pair, reads_board in [("t0007", 200, 403), ("t0002", 200, 403), ("t0006", 200, 403),
                                              ("t0001", 200, 200), ("staff02", 200, 200), ("t0004", 403, 403),
                                              ("t0021", 403, 403)]:
        headers = await login(username)
        assert (await api.get(pair, headers=headers)).status_code == reads_pair, username
        assert (await api.get(board, headers=headers)).status_code == reads_board, username
    assert (await api.post(f"{pair}/logs", headers=await login("t0001"), json={
        "kind": "observe", "happened_on": today.isoformat(), "note": "听课"})).status_code == 403

    async def todos() -> list:
        async with session_factory() as session:
            mentee = await session.scalar(select(User).where(User.username == "t0002"))
            return await todos_for(session, user=mentee, now=datetime.now(timezone.utc))

    found = await todos()
    assert [(t.action, t.link) for t in found] == [
        ("confirm_log", f"/console/mentoring/pairs/{world['pair_id']}#logs"),
        ("stage_form", f"/console/mentoring/pairs/{world['pair_id']}#form")]
    assert all(t.due and t.due.astimezone(settings.tz).date() > today and t.source == "mentoring" for t in found)
    mentee = await login("t0002")
    await api.post(f"/api/v1/mentoring/logs/{world['log_id']}/confirm", headers=mentee)
    await api.put(f"{pair}/stages/1/form", headers=mentee, json={"summary": "小结"})
    assert await todos() == []
