"""Bounds on what a client may send, shared by every route and body: a value outside them is a
422 naming the field, never a 500 from the database or the clock, nor work without end.

Ids are 64-bit database keys: a larger or non-positive number names nothing (and would overflow
the driver), so it is refused at the door rather than answered 404 after a failed query."""

from datetime import date, datetime, timedelta
from typing import Annotated, TypeVar

from annotated_types import Interval, MaxLen
from pydantic import AfterValidator, BaseModel

MAX_ID = 2**63 - 1
Id = Annotated[int, Interval(ge=1, le=MAX_ID)]
MAX_IDS = 1000  # more ids than one request names: a cluster's teachers, a county's schools
Ids = Annotated[list[Id], MaxLen(MAX_IDS)]

MAX_OFFSET = 100_000  # deeper than anyone pages; a filter finds it faster
MAX_PAGE_SIZE = 200

# Durations a client sets (phase lengths, reminders, grace): a school year at most.
MAX_DURATION = timedelta(days=366)

# Dates and times a client sets (deadlines, trainings, terms, sessions): plenty for any plan, and
# far from datetime.max, which a reminder or grace added to it would overflow.
YEARS = range(2000, 2200)
When = TypeVar("When", date, datetime)


def _in_plannable_years(value: When) -> When:
    if value.year not in YEARS:
        raise ValueError(f"must fall in the years {YEARS.start}–{YEARS.stop - 1} (日期超出范围)")
    return value


Day = Annotated[date, AfterValidator(_in_plannable_years)]
Moment = Annotated[datetime, AfterValidator(_in_plannable_years)]


class Patch(BaseModel):
    """A PATCH body: a field left out keeps its value. `null` clears a field that may be empty
    (typed `X | None`); a field typed without None is required on the record, so `null` is a 422
    naming it. (Pydantic does not validate defaults: leaving such a field out still works.)"""
