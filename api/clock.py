"""The API's clock, one dependency so tests can move it with the Temporal test server's time."""

from datetime import datetime
from typing import Annotated

from fastapi import Depends

from models.base import utcnow


def current_time() -> datetime:
    return utcnow()


NowDep = Annotated[datetime, Depends(current_time)]
