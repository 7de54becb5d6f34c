"""Exchange quotas (交流轮岗) counted from actual dates, and the mid-year checkpoint's notice, on the
time-skipping server. Cluster 1 (城区小学第一片, 20 teachers) leads from 实验小学 (城区); its other
schools are 乡镇."""

from datetime import date, datetime, timedelta

from sqlalchemy import select

from contracts.exchanges.history import ExchangeKind
from models import Notification, User
from notifications.render import render_stored
from services.exchanges import quotas
from tests.exchanges_support import add_exchange
from tests.series_support import advance_to, api, eventually_recipients, recipients, user_ids  # noqa: F401

MINUTE = timedelta(minutes=1)


async def test_four_of_365_days_and_one_of_364_count_four_of_five(api, login, session_factory):
    start = date(2025, 9, 1)
    for staff_no, days in [("t0002", 365), ("t0003", 365), ("t0007", 365), ("t0008", 365), ("t0009", 364)]:
        host = "实验小学" if staff_no > "t0005" else "东城小学"  # both ways
        await add_exchange(session_factory, staff_no, host, start=start, days=days)
    # A 6-day stay is not short-term; a 7-day one is (the long ones' teachers are away a week too).
    await add_exchange(session_factory, "t0011", "实验小学", start=date(2025, 10, 8), days=6, kind=ExchangeKind.short)
    await add_exchange(session_factory, "t0012", "实验小学", start=date(2025, 10, 8), days=7, kind=ExchangeKind.short)
    # Planned only, not begun: projected, never counted.
    await add_exchange(session_factory, "t0016", "实验小学", start=date(2026, 3, 2), days=400, actual=False)

    answer = await api.get("/api/v1/exchanges/quotas?year=2025&cluster_id=1", headers=await login("staff01"))
    assert answer.status_code == 200, answer.text
    (quota,) = answer.json()
    assert (quota["long_term"]["counted"], quota["long_term"]["target"]) == (4, 5)
    assert quota["long_term"]["projected"] == 5 and quota["long_term"]["needed"] == 0
    short = quota["short_term"]
    assert (short["counted"], short["base"], short["percent"]) == (6, 20, 30.0)  # not t0011
    assert short["projected"] == 7


async def test_the_mid_year_checkpoint_names_the_shortfall_in_people(api, login, ts_env, settings, session_factory,
                                                                      worker_on):
    now = await ts_env.get_current_time()
    year = quotas.year_of(now.astimezone(settings.tz).date(), settings)
    school_year = quotas.school_year(year, settings)
    # One teacher of 20 away a fortnight this year: 5 %, 20 % wants 4 people, so 3 more.
    begun = max(school_year.start, now.astimezone(settings.tz).date() - timedelta(days=30))
    await add_exchange(session_factory, "t0002", "东城小学", start=begun, days=14, kind=ExchangeKind.short)
    staff = await login("staff01")
    t0006 = (await api.get("/api/v1/teachers?q=t0006", headers=staff)).json()["items"][0]
    async with worker_on(ts_env.client):
        # Any exchange beginning this year starts the year's checkpoints (here: one planned for June).
        created = await api.post("/api/v1/exchanges", headers=staff, json={
            "teacher_id": t0006["id"], "host_school_id": 1, "kind": "跟岗",
            "planned_start": (school_year.end - timedelta(days=30)).isoformat(),
            "planned_end": (school_year.end - timedelta(days=25)).isoformat()})
        assert created.status_code == 201, created.text
        mid = datetime.combine(school_year.checkpoints["mid_year"], datetime.min.time(), settings.tz).replace(hour=9)
        key = f"exchange-quotas:{year}:mid_year:1"
        await advance_to(ts_env, mid - MINUTE)
        assert await recipients(session_factory, key) is None
        await advance_to(ts_env, mid + MINUTE)
        staff_ids = set(await user_ids(session_factory, "staff01", "staff02"))
        lead_contact = set(await user_ids(session_factory, "t0001"))
        assert await eventually_recipients(session_factory, key) == staff_ids | lead_contact
    async with session_factory() as session:
        notice = await session.scalar(select(Notification).where(Notification.key == key))
    text = render_stored(notice.kind, notice.data).text
    assert "短期交流 5%/20%：还需 3 人" in text, text
    assert "长期交流 0/5 人：还需 5 人" in text, text
    # The lead school's contact of an alliance that falls short hears it; other teachers do not.
    async with session_factory() as session:
        teachers = set(await session.scalars(select(User.id).where(User.username == "t0002")))
    assert not teachers & await recipients(session_factory, key)
