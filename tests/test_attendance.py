"""One check-in rule for every kind of attendance (services/attendance/): the same window cases
and the same refusal shape, asked of a campaign's training, a series' session and a tour's stop through the
HTTP API, under today's default windows and under windows changed in the settings.

The API's clock is set by each case (no timer has to fire), so the edges are hit exactly."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from sqlalchemy import select

from api.clock import current_time
from contracts.campaigns.history import Phase, PhaseStep
from models import Campaign, Topic, Training, User
from services.attendance import AttendanceKind
from tests.series_support import monday_after
from webapp import create_app

SECOND = timedelta(seconds=1)
REFUSAL_KEYS = {"detail", "kind", "opens", "closes"}


@dataclass(frozen=True)
class Windows:
    """Minutes before the start a window opens and after its edge it closes, per kind."""

    training: tuple[int, int]
    session: tuple[int, int]
    tour_stop: tuple[int, int]

    def settings(self) -> dict[str, int]:
        return {f"checkin_{kind}_{name}": minutes
                for kind in AttendanceKind for name, minutes in zip(
                    ("opens_minutes_before", "closes_minutes_after"), getattr(self, kind))}


TODAY = Windows(training=(30, 30), session=(30, 60), tour_stop=(30, 30))  # the defaults
CHANGED = Windows(training=(45, 5), session=(10, 15), tour_stop=(20, 40))
CLOSES_AFTER = {AttendanceKind.training: "end", AttendanceKind.session: "start",  # as before the one rule
                AttendanceKind.tour_stop: "end"}


@pytest.fixture(params=[TODAY, CHANGED], ids=["default windows", "windows from settings"])
def windows(request) -> Windows:
    return request.param


@pytest.fixture
def clock() -> dict[str, datetime]:
    return {"now": datetime.now(timezone.utc).replace(microsecond=0)}


@pytest.fixture
async def api(settings, windows, session_factory, demo, ts_env, clock) -> AsyncIterator[httpx.AsyncClient]:
    """The API with its "now" set by the test; the settings carry the windows under test (only the
    TODAY case may rely on the defaults, so it sets nothing)."""
    if windows != TODAY:
        settings = settings.model_copy(update=windows.settings())
    app = create_app(settings, temporal=ts_env.client)

    async def set_now() -> datetime:
        return clock["now"]

    app.dependency_overrides[current_time] = set_now
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000") as client:
            yield client


@dataclass(frozen=True)
class Event:
    checkin_url: str
    starts_at: datetime
    ends_at: datetime


async def _training(api, login, session_factory, clock) -> Event:
    """A campaign launched through the API (its window minutes fixed from the settings), in its
    train phase with a training in three days, written as the run would leave them."""
    launched = await api.post("/api/v1/campaigns", headers=await login("staff01"),
                              json={"title": "签到规则", "cluster_ids": [1]})
    assert launched.status_code == 201, launched.text
    starts_at = clock["now"] + timedelta(days=3)
    async with session_factory() as session:
        campaign = await session.get(Campaign, launched.json()["id"])
        staff = await session.scalar(select(User.id).where(User.username == "staff01"))
        topic = Topic(campaign_id=campaign.id, position=0, title="作文", problem_ids=[], lead_user_id=staff,
                      confirmed_by=staff)
        session.add(topic)
        await session.flush()
        training = Training(campaign_id=campaign.id, topic_id=topic.id, title="讲座", expert="李教授",
                            starts_at=starts_at, ends_at=starts_at + timedelta(hours=2), scheduled_by=staff)
        session.add(training)
        campaign.phase, campaign.step = Phase.train, PhaseStep.open
        await session.commit()
        return Event(f"/api/v1/trainings/{training.id}/checkin", training.starts_at, training.ends_at)


async def _session(api, login, settings, clock) -> Event:
    """A series planned through the API by staff (no window minutes in the body: the settings')."""
    term_start = monday_after(clock["now"], settings.tz, 14)
    created = await api.post("/api/v1/clusters/1/series", headers=await login("staff01"), json={
        "title": "周周有约", "weekday": 3, "start_time": "14:00", "end_time": "17:00",
        "term_start": term_start.isoformat(), "term_end": (term_start + timedelta(days=13)).isoformat()})
    assert created.status_code == 201, created.text
    first = (await api.get(f"/api/v1/series/{created.json()['id']}", headers=await login("staff01"))).json()["upcoming"][0]
    return Event(f"/api/v1/sessions/{first['id']}/checkin", datetime.fromisoformat(first["starts_at"]),
                 datetime.fromisoformat(first["ends_at"]))


async def _tour_stop(api, login, session_factory, clock) -> Event:
    """A tour planned through the API by staff (its window minutes fixed from the settings), presented
    by t0041 at 实验小学, whose teachers check in."""
    async with session_factory() as session:
        presenter = await session.scalar(select(User.id).where(User.username == "t0041"))
    starts_at = clock["now"] + timedelta(days=3)
    created = await api.post("/api/v1/tours", headers=await login("staff01"), json={
        "title": "送教下乡", "presenter_user_id": presenter, "stops": [{
            "host_school_id": 1, "starts_at": starts_at.isoformat(),
            "ends_at": (starts_at + timedelta(hours=2)).isoformat()}]})
    assert created.status_code == 201, created.text
    stop = (await api.get(f"/api/v1/tours/{created.json()['id']}", headers=await login("staff01"))).json()["stops"][0]
    return Event(f"/api/v1/tour-stops/{stop['id']}/checkin", datetime.fromisoformat(stop["starts_at"]),
                 datetime.fromisoformat(stop["ends_at"]))


@pytest.mark.parametrize("kind", list(AttendanceKind))
async def test_the_same_window_and_refusal_for_every_kind(kind, windows, api, login, settings, session_factory,
                                                           clock, ts_env):
    make = {AttendanceKind.training: lambda: _training(api, login, session_factory, clock),
            AttendanceKind.session: lambda: _session(api, login, settings, clock),
            AttendanceKind.tour_stop: lambda: _tour_stop(api, login, session_factory, clock)}
    event = await make[kind]()
    opens_before, closes_after = (timedelta(minutes=m) for m in getattr(windows, kind))
    opens = event.starts_at - opens_before
    closes = (event.ends_at if CLOSES_AFTER[kind] == "end" else event.starts_at) + closes_after

    async def check_in(at: datetime, username: str) -> httpx.Response:
        clock["now"] = at
        return await api.post(event.checkin_url, headers=await login(username))

    cases = [  # (case, when, who, status)
        ("too early", opens - SECOND, "t0002", 409),
        ("on time at the opening edge", opens, "t0003", 201),
        ("twice: the first check-in stands", opens + SECOND, "t0003", 201),
        ("on time at the closing edge", closes, "t0004", 201),
        ("too late", closes + SECOND, "t0005", 409),
    ]
    answers = {}
    for case, at, username, status in cases:
        answers[case] = await check_in(at, username)
        assert answers[case].status_code == status, (case, answers[case].text)

    first = answers["on time at the opening edge"].json()["checked_in_at"]
    assert answers["twice: the first check-in stands"].json()["checked_in_at"] == first

    local_opens, local_closes = opens.astimezone(settings.tz), closes.astimezone(settings.tz)
    for case in ("too early", "too late"):
        refusal = answers[case].json()
        assert refusal.keys() == REFUSAL_KEYS, case
        assert refusal["kind"] == kind.value
        # Local times with their offset, the same instants as the window.
        assert refusal["opens"] == local_opens.isoformat() and refusal["opens"].endswith("+08:00")
        assert refusal["closes"] == local_closes.isoformat()
        assert refusal["detail"].startswith(f"签到时间为 {local_opens:%Y-%m-%d} ")
        assert f"{local_opens:%H:%M}" in refusal["detail"] and f"{local_closes:%H:%M}" in refusal["detail"]
