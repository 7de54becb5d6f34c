"""Every patch the workflows carry, with the release that brought it and when it can go. Plain
data, no I/O: workflow code imports it (`workflow.patched(patches.LEASED_DELIVERY.id)`), and so
do the runs route (`GET /api/v1/runs/patches`) and `make patches`, which say which can go.

A patch keeps a changed step replaying for the runs started before its release: their histories
hold no marker, so `patched()` answers False and they take the old path; every other run records
the id as a marker. So an id never changes, and every `patched()` in workflows/ names an entry
here (tests/test_patches.py).

A patch is retirable once no open run of its workflow types started before its release: then
the old branch goes and the call becomes `workflow.deprecate_patch(id)` (README: Changing a
workflow safely).

A release is known here by its day (UTC, the day `git log` dates its commits), not by the instant
it was deployed: every run started up to the end of that day counts as older, even one started
after the deployment. Conservative: a patch is only called retirable when it truly is, at worst
a day late."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

RELEASE_2026_11_26 = date(2026, 11, 26)


@dataclass(frozen=True)
class Patch:
    id: str  # the marker recorded in run histories: never changes
    release: date  # the day of the release that brought it (UTC)
    guards: str  # the change, in one sentence
    workflow_types: tuple[str, ...]  # the workflows whose runs take the old path without it

    @property
    def older_than(self) -> datetime:
        """Runs started before this instant may lack the marker: the end of the release day (UTC)."""
        return datetime.combine(self.release + timedelta(days=1), time(), timezone.utc)


OVERDUE_NAMES = Patch(
    "overdue-escalation-names", RELEASE_2026_11_26,
    "Staff escalations of overdue tasks name who is overdue (the overdue_assignees activity), instead of "
    "reaching the staff through an audience that names nobody.",
    ("CampaignWorkflow",))
CANCEL_IN_LOOP = Patch(
    "cancel-carried-out-by-the-loop", RELEASE_2026_11_26,
    "A staff cancel is recorded by the phase loop after its current await, instead of by the Update handler "
    "racing the loop's awaits.",
    ("CampaignWorkflow",))
CANCEL_DURING_ACTIVITY = Patch(
    "cancel-during-activity", RELEASE_2026_11_26,
    "A cancel from outside the product that arrives while an activity is pending is recorded and announced, "
    "instead of ending the run at once, unrecorded.",
    ("CampaignWorkflow", "SeriesWorkflow"))
ALERT_ON_REJECTED = Patch(
    "notice-rejected-alerts-admins", RELEASE_2026_11_26,
    "A notice that cannot be stored alerts the admins (notice_rejected), instead of being only logged.",
    ("CampaignWorkflow", "SeriesWorkflow"))
LEASED_DELIVERY = Patch(
    "delivery-leases", RELEASE_2026_11_26,
    "A delivery run drains leased rows wave by wave, withdrawing what is no longer wanted and marking what "
    "still fails as failed, instead of the delivery by id ranges of 2026-11-23 (workflows/legacy/).",
    ("DeliverNotificationWorkflow",))
SERIES_FINISH_AT_ONCE = Patch(
    "series-finish-at-once", RELEASE_2026_11_26,
    "A series run whose term is over returns at once, instead of waiting a minute first.",
    ("SeriesWorkflow",))
SERIES_NOTICES_BEFORE_CONTINUING = Patch(
    "series-notices-before-continuing", RELEASE_2026_11_26,
    "A series step's notices are sent before the run continues as new, instead of being carried into the "
    "next run.",
    ("SeriesWorkflow",))

ALL: tuple[Patch, ...] = (OVERDUE_NAMES, CANCEL_IN_LOOP, CANCEL_DURING_ACTIVITY, ALERT_ON_REJECTED, LEASED_DELIVERY,
                          SERIES_FINISH_AT_ONCE, SERIES_NOTICES_BEFORE_CONTINUING)
