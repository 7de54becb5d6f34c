"""Backups from the command line (README, Operations):

    python -m scripts.backup                       make backup: both databases, now, while running
    python -m scripts.backup restore FILE          make restore FILE=…: only while stopped
    python -m scripts.backup verify FILE           make backup-verify FILE=…: restore into a scratch
                                                   directory, start a dev server there, list the runs
"""

import argparse
import asyncio
import socket
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from temporalio.client import Client
from temporalio.service import RetryConfig

from config import Settings, get_settings
from engine.connection import bundled_binary
from services.backups import archive as archives
from services.backups import sqlite_snapshot
from services.backups.archive import BadArchive
from services.backups.manifest import Manifest
from services.backups.restore import RefusedRestore, check_revision, restore
from services.backups.stack_lock import StackRunning

READY_SECONDS = 60


def take(settings: Settings, label: str) -> Path:
    path = archives.create(settings, label=label)
    manifest = archives.unpack_manifest(path)
    sizes = ", ".join(f"{f.name} {f.size / 1e6:.1f} MB in {f.seconds:.2f} s" for f in manifest.files)
    print(f"backup {path} ({path.stat().st_size / 1e6:.1f} MB compressed; {sizes}; "
          f"revision {manifest.alembic_revision})")
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _runs(address: str) -> Counter:
    deadline = asyncio.get_running_loop().time() + READY_SECONDS
    while True:
        try:
            client = await Client.connect(address, retry_config=RetryConfig(max_elapsed_time_millis=500))
            if await client.service_client.check_health():
                break
        except Exception:  # noqa: BLE001 - still starting
            if asyncio.get_running_loop().time() > deadline:
                raise
        await asyncio.sleep(0.2)
    return Counter([execution.status.name async for execution in client.list_workflows()])


def verify(archive: Path) -> Manifest:
    """Everything a restore would do, into a scratch directory, plus a dev server on a spare port
    listing the runs: a backup proven readable before the day it is needed."""
    with tempfile.TemporaryDirectory(prefix="jiaoyan-verify-") as scratch:
        manifest = archives.unpack(archive, Path(scratch))
        check_revision(manifest)
        if manifest.backend != "sqlite":
            print(f"{archive.name}: checksums and revision {manifest.alembic_revision} ok "
                  "(PostgreSQL dumps: restore them into a scratch server with pg_restore to go further)")
            return manifest
        for file in manifest.files:
            sqlite_snapshot.check(Path(scratch) / file.name)
        revision = sqlite_snapshot.alembic_revision(Path(scratch) / "jiaoyan.db")
        if revision != manifest.alembic_revision:
            raise BadArchive(f"the app database is at {revision}, the manifest says {manifest.alembic_revision}")
        port = _free_port()
        server = subprocess.Popen([
            bundled_binary("temporal"), "server", "start-dev", "--ip", "127.0.0.1", "--port", str(port), "--headless",
            "--db-filename", f"{scratch}/temporal.db", "--log-level", "error"], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        try:
            runs = asyncio.run(_runs(f"127.0.0.1:{port}"))
        finally:
            server.terminate()
            server.wait(timeout=20)
    listed = ", ".join(f"{count} {status.lower()}" for status, count in sorted(runs.items())) or "none"
    print(f"{archive.name}: checksums, integrity_check and revision {revision} ok; "
          f"taken {manifest.created_at:%Y-%m-%d %H:%M:%S} UTC by {manifest.app_commit[:12]}; runs: {listed}")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("action", nargs="?", choices=["take", "restore", "verify"], default="take")
    parser.add_argument("file", nargs="?", type=Path)
    parser.add_argument("--label", default="manual")
    args = parser.parse_args(argv)
    settings = get_settings()
    try:
        if args.action == "take":
            take(settings, args.label)
        elif args.file is None:
            parser.error(f"{args.action} needs the archive: FILE=var/backups/jiaoyan-….tar.gz")
        elif args.action == "verify":
            verify(args.file)
        else:
            manifest, safety = restore(settings, args.file)
            print(f"restored {args.file.name} (taken {manifest.created_at:%Y-%m-%d %H:%M:%S} UTC, revision "
                  f"{manifest.alembic_revision}); what was there is in {safety or 'nothing: there was nothing'}.\n"
                  "Start the stack (make run): it migrates, and the runs carry on from the backup's instant.")
    except (StackRunning, RefusedRestore, BadArchive, sqlite_snapshot.CorruptSnapshot, RuntimeError) as exc:
        print(f"{args.action} refused: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
