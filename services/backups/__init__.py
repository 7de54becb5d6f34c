"""Backups of a running stack and their restore (issue 23; `make backup`, `make restore`,
`make backup-verify`: scripts/backup.py).

Temporal's database and the app's are snapshotted together, Temporal's first: restored, the app's
is then the same age or newer, so an activity that finished in between runs again (every activity is
safe to run twice) and no effect is lost. Never a file copy: SQLite's online backup API, or pg_dump."""
