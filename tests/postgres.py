"""A throwaway PostgreSQL server from Debian's packages, started by the tests themselves."""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pg_bin() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1]) if found else None


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """Yields an async SQLAlchemy URL. Skips where the server is not installed, except in CI
    (scripts/system-deps.sh installs it there, so its absence is a failure)."""
    bin_dir = _pg_bin()
    if bin_dir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL server binaries missing in CI (scripts/system-deps.sh installs them)")
        pytest.skip("PostgreSQL server not installed (apt-get install postgresql)")
    data_dir = tempfile.mkdtemp(prefix="jiaoyan-pg-")
    # initdb refuses to run as root: run the server as the postgres user when we are root.
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_user:
        shutil.chown(data_dir, "postgres")
    port = _free_port()
    subprocess.run([*as_user, f"{bin_dir}/initdb", "-D", data_dir, "-U", "postgres", "--auth=trust", "-E", "UTF8"],
                   check=True, capture_output=True)
    options = f"-c listen_addresses=127.0.0.1 -p {port} -c fsync=off -c unix_socket_directories={data_dir}"
    subprocess.run([*as_user, f"{bin_dir}/pg_ctl", "-D", data_dir, "-o", options, "-w", "start", "-l",
                    f"{data_dir}/server.log"], check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, f"{bin_dir}/pg_ctl", "-D", data_dir, "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(data_dir, ignore_errors=True)
