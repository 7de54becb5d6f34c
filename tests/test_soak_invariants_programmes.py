"""Each programme's checks in the soak (soak/programmes/{mentoring,exchanges,tours,library,evaluation}.py)
fail when handed the broken state they exist to catch, and pass on the healthy one."""

from datetime import date, datetime, timedelta, timezone

from soak.programmes.base import Sent
from soak.programmes.evaluation import published_rounds_frozen, school_term, values_trace_to_records
from soak.programmes.exchanges import (
    late_reports_escalate_once, quota_notices_name_the_shortfall, reminders_follow_timeline,
)
from soak.programmes.library import Shelf, borrowings_from_other_schools, declined_never_published, withdrawn_not_found
from soak.programmes.mentoring import acted_at, each_pass_opens_one_stage, ended_pairs_silent, nudges_only_to_the_behind
from soak.programmes.tours import calendar_uid_kept, feedback_chased_until_given

T0 = datetime(2026, 12, 7, 22, 0, tzinfo=timezone.utc)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def sent(key: str, kind: str, seconds: float, **data) -> Sent:
    return Sent(key, kind, data, at(seconds), frozenset({7}))


# ---- mentoring ----

def test_a_mentoring_nudge_to_a_side_that_had_handed_in_fails():
    forms = {(3, 1, "mentee"): at(10)}
    logs = [(3, "mentor", date(2026, 11, 20), at(5)), (3, "mentor", date(2026, 11, 21), at(6))]
    acted = acted_at(forms, logs, quota=2)
    assert set(acted) == {"3:stage1:form:reminder:mentee", "3:logs:2026-11:mentor"}
    behind = [sent("mentoring:pair:3:stage1:form:reminder:mentor", "mentoring_form_due", 60)]
    assert nudges_only_to_the_behind(behind, acted).ok
    assert nudges_only_to_the_behind([sent("mentoring:pair:3:stage1:form:reminder:mentee", "mentoring_form_due", 10.5)],
                                     acted).ok  # handed in while it was composed
    assert not nudges_only_to_the_behind([sent("mentoring:pair:3:stage1:form:reminder:mentee", "mentoring_form_due", 60)],
                                         acted).ok
    assert not nudges_only_to_the_behind([sent("mentoring:pair:3:logs:2026-11:mentor", "mentoring_log_nudge", 60)],
                                         acted).ok


def test_a_notice_to_a_pair_after_its_early_end_fails():
    ended = {4: at(30)}
    healthy = [sent("mentoring:pair:4:started", "mentoring_pair_started", 1),
               sent("mentoring:pair:4:ended", "mentoring_pair_changed", 31),
               sent("mentoring:pair:5:stage1:verdict1", "mentoring_verdict", 90)]
    assert ended_pairs_silent(healthy, ended).ok
    broken = ended_pairs_silent([*healthy, sent("mentoring:pair:4:stage1:form:reminder:mentor", "mentoring_form_due", 90)],
                                ended)
    assert not broken.ok and "1 notices after" in broken.figure


def test_a_pass_that_opens_two_stages_or_none_fails():
    pairs = [(1, "active", 2), (2, "completed", 2), (3, "ended", 1)]
    passed = [(1, 1), (2, 1), (2, 2)]
    assert each_pass_opens_one_stage(pairs, passed, stages=2).ok
    assert not each_pass_opens_one_stage(pairs, [*passed, (1, 1)], stages=2).ok  # stage 1 passed twice
    assert not each_pass_opens_one_stage([(1, "active", 3), *pairs[1:]], passed, stages=2).ok  # one pass, two stages
    assert not each_pass_opens_one_stage(pairs, [(2, 1), (2, 2)], stages=2).ok  # a pass that opened nothing


# ---- exchanges ----

def test_a_reminder_off_the_postponed_timeline_fails():
    steps = {4: {"announce:2027-02-06", "end_reminder:2027-03-08"}}
    postponed = {4: at(50)}
    healthy = [sent("exchange:4:announce:2027-01-17", "exchange_announced", 20),  # before the postponement
               sent("exchange:4:announce:2027-02-06", "exchange_announced", 90),
               sent("exchange:4:postponed:2027-01-17", "exchange_postponed", 50)]
    assert reminders_follow_timeline(healthy, steps, postponed).ok
    broken = reminders_follow_timeline([*healthy, sent("exchange:4:end_reminder:2027-02-16", "exchange_end_reminder", 90)],
                                       steps, postponed)
    assert not broken.ok and "exchange:4:end_reminder:2027-02-16" in broken.detail


def test_a_late_report_escalated_twice_or_after_it_came_in_or_never_fails():
    def late(exchange: int, level: str, seconds: float) -> Sent:
        return sent(f"exchange:{exchange}:report_late_{level}:2026-11-22", "exchange_report_late", seconds,
                    escalated_to=level)

    reports = {2: at(100), 3: None}
    healthy = [late(2, "school", 10), late(2, "staff", 20), late(3, "school", 10)]
    assert late_reports_escalate_once(healthy, reports, late={2, 3}).ok
    assert not late_reports_escalate_once([*healthy, late(3, "school", 30)], reports, late={2, 3}).ok
    assert not late_reports_escalate_once([*healthy, late(2, "staff", 200)], reports, late={2, 3}).ok
    assert not late_reports_escalate_once(healthy[:2], reports, late={2, 3}).ok  # 3 was never escalated


def test_a_quota_notice_naming_another_shortfall_fails():
    quotas = [{"cluster_id": 1, "long_term": {"needed": 4, "projected": 1}, "short_term": {"needed": 2}}]
    notice = sent("exchange-quotas:2026:mid_year:1", "exchange_quota_shortfall", 10, long_needed=4, short_needed=2)
    assert quota_notices_name_the_shortfall([notice], quotas, target=5).ok
    wrong = sent("exchange-quotas:2026:mid_year:1", "exchange_quota_shortfall", 10, long_needed=5, short_needed=2)
    assert not quota_notices_name_the_shortfall([wrong], quotas, target=5).ok
    assert not quota_notices_name_the_shortfall([notice], quotas, target=6).ok  # the quotas themselves do not add up


# ---- tours ----

def test_feedback_chased_after_it_came_in_or_never_asked_fails():
    given = {1: at(50)}
    healthy = [sent("tour_stop:1:feedback:0", "tour_feedback_requested", 40),
               sent("tour_stop:2:feedback:0", "tour_feedback_requested", 45)]
    assert feedback_chased_until_given(healthy, given, asked={1, 2}).ok
    assert not feedback_chased_until_given([*healthy, sent("tour_stop:1:feedback:1", "tour_feedback_requested", 90)],
                                           given, asked={1, 2}).ok
    assert not feedback_chased_until_given(healthy[:1], given, asked={1, 2}).ok  # stop 2 never asked


def test_a_moved_stop_with_a_new_uid_or_the_same_sequence_fails():
    assert calendar_uid_kept(("abc", 0), ("abc", 1)).ok
    assert not calendar_uid_kept(("abc", 0), ("xyz", 1)).ok
    assert not calendar_uid_kept(("abc", 1), ("abc", 1)).ok
    assert not calendar_uid_kept(None, ("abc", 1)).ok  # the move was never acknowledged


# ---- library ----

def test_a_declined_offer_that_was_published_fails():
    assert declined_never_published([(1, "declined", None)], {1}).ok
    assert not declined_never_published([(1, "accepted", 9)], {1}).ok
    assert not declined_never_published([(1, "declined", 9)], {1}).ok


def test_a_withdrawn_resource_found_by_search_fails():
    assert withdrawn_not_found({5}, set()).ok
    assert not withdrawn_not_found({5}, {5}).ok


def test_borrowings_counted_from_the_owners_school_or_by_the_author_fail():
    shelf = Shelf(published={10: 1})
    shelf.borrowed = {(10, 200, "view", "2026-12-07"), (10, 200, "use", ""),  # user 200: school 2
                      (10, 100, "use", ""),  # a colleague of the same school: not counted
                      (10, 99, "view", "2026-12-07")}  # the author: not counted
    schools = {200: 2, 100: 1, 99: 1}
    assert borrowings_from_other_schools(shelf, {10: 99}, schools, {1: 2, 2: 0}, term="2026秋").ok
    assert not borrowings_from_other_schools(shelf, {10: 99}, schools, {1: 3}, term="2026秋").ok  # the colleague
    assert not borrowings_from_other_schools(shelf, {10: 99}, schools, {1: 2, 2: 1}, term="2026秋").ok
    shelf.maybe_borrowed = {(10, 300, "use", "")}  # school 3's answer lost: counted or not, both right
    schools[300] = 3
    assert borrowings_from_other_schools(shelf, {10: 99}, schools, {1: 3}, term="2026秋").ok
    assert borrowings_from_other_schools(shelf, {10: 99}, schools, {1: 2}, term="2026秋").ok
    assert not borrowings_from_other_schools(shelf, {10: 99}, schools, {1: 4}, term="2026秋").ok


# ---- evaluation ----

def test_a_value_without_its_records_fails():
    values = [(1, "resources_shared", 3.0, ["resource:1", "resource:2", "resource:3"]), (2, "sessions_held", 0.0, [])]
    assert values_trace_to_records(values, set(), opened=1).ok
    assert not values_trace_to_records([*values, (3, "reflections", 2.0, [])], set(), opened=1).ok
    assert not values_trace_to_records(values, {"resource:2"}, opened=1).ok  # a record not in the database
    assert not values_trace_to_records(values, set(), opened=None).ok  # no round was opened


def test_a_published_round_that_moves_or_an_early_publish_fails():
    values = [{"id": 1, "score": 80.0}]
    assert published_rounds_frozen({3: (values, 409, values)}, early_publish=409).ok
    assert published_rounds_frozen({}, early_publish=409).ok
    assert not published_rounds_frozen({3: (values, 200, values)}, early_publish=409).ok
    assert not published_rounds_frozen({3: (values, 409, [{"id": 1, "score": 90.0}])}, early_publish=409).ok
    assert not published_rounds_frozen({}, early_publish=200).ok


def test_the_school_term_a_round_names():
    assert school_term(date(2026, 12, 7)) == ("2026-2027-1", date(2026, 9, 1))
    assert school_term(date(2027, 1, 10)) == ("2026-2027-1", date(2026, 9, 1))
    assert school_term(date(2027, 4, 1)) == ("2026-2027-2", date(2027, 2, 1))
