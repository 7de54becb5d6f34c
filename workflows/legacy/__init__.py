"""Workflow code only runs started by older releases replay, one module per release (named after
it), reached through the patch that replaced it (workflows/patches.py) and deleted when that patch
is retired, with the activities (activities/legacy/) and contracts only it uses."""
