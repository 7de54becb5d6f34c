"""The fault tests' processes (tests/fault_stack.py) die as a lost machine does: with their children."""

import os
import sys

from tests.fault_stack import Process, wait_for


async def test_a_killed_process_takes_its_children(tmp_path):
    """Found by the soak on PostgreSQL: the API runs one uvicorn process per core, and killing the
    parent alone left its children answering on the port through the 'restart'."""
    child_pid = tmp_path / "child.pid"
    parent = Process("parent", [sys.executable, "-c", (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
        f"open({str(child_pid)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(120)\n")], log_dir=tmp_path).start()
    pid = int(await wait_for(lambda: child_pid.exists() and child_pid.read_text(), timeout=30, what="the child"))
    parent.kill()

    def gone() -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        with open(f"/proc/{pid}/stat") as stat:  # killed but not yet reaped by its (dead) parent's init
            return stat.read().split()[2] == "Z"

    await wait_for(gone, timeout=10, what="the child killed with its parent")
