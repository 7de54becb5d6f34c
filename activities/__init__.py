"""Temporal activities: all I/O of the workflows lives here. Each group is a class holding its
dependencies (session factory, settings); worker.py instantiates them and registers the methods.

Activities are at-least-once: every side effect carries an idempotency key."""
