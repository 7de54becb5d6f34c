"""Activities only runs started by older releases call, one module per release (named after it),
registered under the activity names their histories hold. Each goes with the patch that leads to
it (workflows/patches.py)."""
