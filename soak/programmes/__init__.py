"""The programmes a soak runs, one line each (soak/programmes/base.py: the interface)."""

from soak.programmes.campaigns import Campaigns
from soak.programmes.notices import Notices
from soak.programmes.series import WeeklySeries

PROGRAMMES = [
    Campaigns,
    WeeklySeries,
    Notices,
]
