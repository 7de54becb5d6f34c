from contracts.campaigns.history import Phase
from contracts.labels import NOTICE_LABELS, STATUS_LABELS
from contracts.notifications.history import NotificationKind
from contracts.series.api import SessionStatus
from contracts.series.history import SeriesStatus


def test_every_kind_and_status_people_see_has_a_chinese_label():
    assert set(NOTICE_LABELS) == {kind.value for kind in NotificationKind}
    states = [*Phase, *SeriesStatus, *SessionStatus]
    assert {state.value for state in states} <= set(STATUS_LABELS)
