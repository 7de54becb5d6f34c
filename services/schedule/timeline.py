"""A run's timeline is computed from the database: every occurrence contributes its steps at due
times derived from its current start, so a skip or a reschedule changes the plan without touching
the workflow's state; the run only remembers how far it has got (a cursor, ordered by `key()`)."""

from collections.abc import Iterable
from typing import Protocol, TypeVar


class Keyed(Protocol):
    def key(self) -> tuple: ...


S = TypeVar("S", bound=Keyed)


def next_after(steps: Iterable[S], after: Keyed) -> S | None:
    """The first step after the cursor, or None when none is left."""
    return min((step for step in steps if step.key() > after.key()), key=lambda step: step.key(), default=None)
