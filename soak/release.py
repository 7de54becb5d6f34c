"""The release in the middle of a soak's term: the term starts on the worker of the last landed
release (exported with `git archive` into the run's directory), and today's worker replaces it
mid-term, so the runs it started (every programme's, and their deliveries) cross a release for
real and carry on under today's code, as README's "Changing a workflow safely" promises. The
earlier release runs against today's schema: every table and column it knows is still there with
its meaning (later migrations only added).

It has to know every workflow type today's API starts: a release older than a programme (826d075
had no exchanges, tours or mentor pairs) left those runs failing their first task until the
upgrade, and their Updates answered 503, which no deployment of that release could show. When a
release lands, RELEASE moves to it, as its histories move into tests/histories/."""

import subprocess
import tarfile
from io import BytesIO
from pathlib import Path

from config import ROOT

RELEASE = "31880cc"  # landed 2026-12-07: its runs' histories are tests/histories/2026-12-07


def checkout(into: Path) -> Path:
    """The release's tree under `into` (exported once; a git archive, no worktree to clean up)."""
    tree = into / f"release-{RELEASE}"
    if not (tree / "worker.py").exists():
        archive = subprocess.run(["git", "archive", "--format=tar", RELEASE], cwd=ROOT, check=True,
                                 capture_output=True).stdout
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(tree, filter="data")
    return tree


async def upgrade(soak, fault) -> None:
    """Stop the earlier release's worker as a deployment does (SIGTERM, its activities finish or are
    retried), start today's."""
    for worker in soak.stack.workers:
        worker.stop()
    soak.stack.worker_code = ROOT
    await soak.stack.start_worker()
    fault.note = f"(worker of {RELEASE} replaced by today's)"
