"""Each of the soak's checks (soak/invariants.py) fails when handed the broken state it exists to
catch, and passes on the healthy one: a check that cannot fail proves nothing."""

from collections import Counter
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from models import Campaign, Problem, User
from soak.faults import Fault, Schedule
from soak.invariants import (
    RunInfo, Window, acknowledged_writes, duplicates_within_bound, histories_bounded, inbox_once, missing_writes,
    no_5xx_outside_faults, no_reminder_after_acting, notice_rows_settled, phases_as_ruled, repeats_keep_their_id,
    runs_not_wedged, series_have_sessions,
)
from soak.people import Ack, Response

T0 = datetime(2026, 12, 7, 22, 0, tzinfo=timezone.utc)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_a_notice_row_left_pending_fails():
    assert notice_rows_settled(Counter(sent=10, failed=1, withdrawn=2)).ok
    broken = notice_rows_settled(Counter(sent=10, pending=1))
    assert not broken.ok and "1 open" in broken.figure


def test_a_duplicate_inbox_row_fails():
    assert inbox_once(12, Counter()).ok
    assert not inbox_once(12, Counter({(3, 7): 2})).ok


def test_a_reminder_to_someone_who_had_acted_fails():
    reminders = [("1:submit_problem", at(60), {7, 8})]
    assert no_reminder_after_acting(reminders, {"1:submit_problem": {9: at(10)}}).ok
    assert no_reminder_after_acting(reminders, {"1:submit_problem": {7: at(59.5)}}).ok  # while it was composed
    broken = no_reminder_after_acting(reminders, {"1:submit_problem": {7: at(10)}})
    assert not broken.ok and "user 7" in broken.detail


def test_a_5xx_outside_a_fault_window_fails():
    inside = Response(at=12.0, who="teacher", what="vote", method="POST", status=503, latency=0.1)
    outside = Response(at=40.0, who="teacher", what="vote", method="POST", status=500, latency=0.1)
    assert no_5xx_outside_faults([inside], [(10.0, 20.0)]).ok
    broken = no_5xx_outside_faults([inside, outside], [(10.0, 20.0)])
    assert not broken.ok and "vote 500 at 40.0s" in broken.detail


def test_the_fault_windows_forgive_only_the_faults_that_take_a_part_away_from_the_api():
    schedule = Schedule([Fault("temporal_restart", 10, 5, started=10, ended=15),
                         Fault("worker_kill", 30, 2, started=30, ended=32),
                         Fault("writers_burst", 50, 10, started=50, ended=60)])
    assert schedule.windows() == [(10, 25)]
    assert [f.kind for f in schedule.crashes()] == ["temporal_restart", "worker_kill"]


def test_duplicates_beyond_the_bound_fail():
    sent = Counter({"<a>": 2, "<b>": 1, "<c>": 3})  # 3 repeated
    assert duplicates_within_bound("e-mail", sent, bound=3).ok
    assert not duplicates_within_bound("e-mail", sent, bound=2).ok


def test_a_robot_repeat_under_a_new_delivery_id_fails():
    body = b'{"msgtype": "text", "text": {"content": "hi"}}'
    assert repeats_keep_their_id([("/wecom", body, "7-g1"), ("/wecom", body, "7-g1")]).ok
    assert not repeats_keep_their_id([("/wecom", body, "7-g1"), ("/wecom", body, "7-g2")]).ok
    assert repeats_keep_their_id([("/wecom", body, "7-g1"), ("/wecom", body, "9-g4")]).ok  # two notices, same words
    signed = [("/hook/1", b'{"delivery_id": "7-d1", "timestamp": 1, "text": "x"}', "7-d1"),
              ("/hook/1", b'{"delivery_id": "7-d9", "timestamp": 2, "text": "x"}', "7-d9")]
    assert not repeats_keep_their_id(signed).ok  # the id and the signature's time are not the message


def test_an_action_outside_its_phase_or_phases_out_of_order_fail():
    windows = {1: [Window("collect_topics", at(0), at(60), stored_closed_at=at(62)), Window("train", at(70), None)]}
    assert phases_as_ruled(windows, [(1, "submit_problem", at(61)), (1, "check_in", at(80))]).ok
    late = phases_as_ruled(windows, [(1, "submit_problem", at(63))])
    assert not late.ok and "submit_problem" in late.detail
    skipped = {1: [Window("collect_topics", at(0), at(60)), Window("design_plan", at(70), None)]}
    assert not phases_as_ruled(skipped, []).ok
    overlapping = {1: [Window("collect_topics", at(0), at(80)), Window("train", at(70), None)]}
    assert not phases_as_ruled(overlapping, []).ok


def test_a_series_missing_a_session_fails():
    assert series_have_sessions({1: 3, 2: 2}, {1: 3, 2: 2}).ok
    assert not series_have_sessions({1: 3, 2: 2}, {1: 3, 2: 1}).ok


def test_a_wedged_run_or_an_open_delivery_or_a_big_history_fails():
    fine = [RunInfo("campaign-1", "CampaignWorkflow", "RUNNING", 600, 90_000),
            RunInfo("notify-x", "DeliverNotificationWorkflow", "COMPLETED", 40, 9_000)]
    assert runs_not_wedged(fine, []).ok and histories_bounded(fine).ok
    assert not runs_not_wedged(fine, ["campaign-1"]).ok
    assert not runs_not_wedged(fine + [RunInfo("series-1", "SeriesWorkflow", "FAILED")], []).ok
    assert not runs_not_wedged([RunInfo("notify-y", "DeliverNotificationWorkflow", "RUNNING")], []).ok
    assert not histories_bounded([RunInfo("campaign-2", "CampaignWorkflow", "RUNNING", 30_000, 1_000)]).ok


async def test_an_acknowledged_write_missing_from_the_database_fails(session_factory, demo):
    async with session_factory() as session:
        staff = await session.scalar(select(User).where(User.username == "staff01"))
        teacher = await session.scalar(select(User.id).where(User.username == "t0001"))
        campaign = Campaign(title="x", params={}, created_by=staff.id)
        session.add(campaign)
        await session.flush()
        problem = Problem(campaign_id=campaign.id, author_user_id=teacher, school_id=1, title="问题")
        session.add(problem)
        await session.commit()
        kept = Ack("submit_problem", "campaign_problems", {"id": problem.id, "author_user_id": teacher}, 1.0)
        lost = Ack("submit_problem", "campaign_problems", {"id": problem.id + 1}, 2.0)
        unset = Ack("deliver_task", "campaign_problems", {"id": problem.id, "withdrawn_at": "<not null>"}, 3.0)
        missing = await missing_writes(session, [kept, lost, unset])
    assert missing == [lost, unset]
    assert acknowledged_writes([kept], []).ok
    assert not acknowledged_writes([kept, lost, unset], missing).ok
