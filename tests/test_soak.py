"""The short soak in `make test` (soak/profile.py, SHORT): real processes on loopback, a demo-sized
county, one campaign with people acting over HTTP, three clusters' series, one worker SIGKILL
during the opening fan-out and one Temporal server restart; every promise of soak/invariants.py
must hold. About three minutes of wall time. The report is in
test-artifacts/soak/ (report.html, summary.md)."""

import pytest

from soak.__main__ import Soak
from soak.profile import SHORT

pytestmark = pytest.mark.heavy  # minutes of real processes: started first on the suite's workers

SEED = 1


async def test_a_short_term_under_faults_keeps_every_promise():
    results = await Soak(SHORT, SEED, "sqlite").run()
    broken = [f"{r.name}: {r.figure} — {r.detail}" for r in results if not r.ok]
    assert not broken, "\n".join(broken)
