"""The programmes a soak runs, one line each (soak/programmes/base.py: the interface)."""

from soak.programmes.campaigns import Campaigns
from soak.programmes.evaluation import Evaluation
from soak.programmes.exchanges import Exchanges
from soak.programmes.library import Library
from soak.programmes.mentoring import Mentoring
from soak.programmes.notices import Notices
from soak.programmes.series import WeeklySeries
from soak.programmes.tours import Tours

PROGRAMMES = [
    Campaigns,
    WeeklySeries,
    Notices,
    Mentoring,
    Exchanges,
    Tours,
    Library,
    Evaluation,
]
