"""How the product's runs schedule a step (an activity), delivery drains aside (workflows/notify.py).

A step is retried until it succeeds (every activity is safe to run twice), backing off to five
minutes between attempts; the worker's stall watch tells the admins once it keeps failing.

A step must be heard from every HEARTBEAT_TIMEOUT. The stall watch (activities/stall_watch.py)
beats for every running step, however long it waits on the database, so only a worker that is
gone (killed, its machine lost) falls silent, and Temporal then gives the step to another worker
instead of waiting out its start-to-close. Found by the soak: a worker SIGKILLed mid-step held its
campaign for the step's five minutes, and nothing showed it."""

from datetime import timedelta

from temporalio.common import RetryPolicy

HEARTBEAT_TIMEOUT = timedelta(seconds=30)
RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=5))


def options(*, start_to_close: timedelta = timedelta(minutes=2), retry: RetryPolicy = RETRY) -> dict:
    """`execute_activity`'s keyword arguments for one step."""
    return {"start_to_close_timeout": start_to_close, "heartbeat_timeout": HEARTBEAT_TIMEOUT, "retry_policy": retry}
