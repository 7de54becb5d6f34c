"""The API's notion of "now", as a dependency: tests that drive Temporal's virtual clock
override it, so check-in windows and "upcoming" agree with the workflows' time."""

from datetime import datetime, timezone
from typing import Annotated

from fastapi import Depends


async def current_time() -> datetime:  # async: a plain def would run in the thread pool
    return datetime.now(timezone.utc)


NowDep = Annotated[datetime, Depends(current_time)]
