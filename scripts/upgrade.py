"""`make upgrade` after pulling a new release, on one machine (README, Operations: the runbook):
stop the running stack (the pid its lock names), take a backup (`before-upgrade`), migrate once, and
start it again (`make run`, in the foreground). A failed migration leaves the stack stopped and says
which backup to restore."""

import os
import signal
import subprocess
import sys
import time

from config import get_settings
from scripts.bootstrap import migrate
from services.backups import archive as archives
from services.backups.stack_lock import StackRunning, holder, refuse_if_running

STOP_SECONDS = 60


def stop_running_stack(settings) -> None:
    if pid := holder(settings):
        print(f"stopping the running stack (pid {pid})…", flush=True)
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        while holder(settings):
            if time.monotonic() > deadline:
                raise SystemExit(f"the stack (pid {pid}) did not stop in {STOP_SECONDS} s; stop it and run again")
            time.sleep(0.5)
    refuse_if_running(settings)  # nothing else of the stack left (a dev server started by hand)


def main() -> int:
    settings = get_settings()
    try:
        stop_running_stack(settings)
    except StackRunning as exc:
        print(f"upgrade refused: {exc}", file=sys.stderr)
        return 1
    if settings.is_sqlite:
        backup = archives.create(settings, label="before-upgrade")
        print(f"backup {backup}", flush=True)
    else:
        backup = "(PostgreSQL: take it first with `make backup` on compose; README, Operations)"
    try:
        migrate(settings.database_url)
    except Exception as exc:
        print(f"the migration failed: {exc}\nThe stack is stopped. To go back: check out the previous "
              f"release, then `make restore FILE={backup}`.", file=sys.stderr)
        return 1
    print("migrated; starting the stack", flush=True)
    return subprocess.call([sys.executable, "-m", "scripts.run_stack"])


if __name__ == "__main__":
    sys.exit(main())
