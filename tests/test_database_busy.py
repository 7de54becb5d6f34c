"""A database that is busy (SQLite's lock held past its timeout, no free pooled connection) answers
503 with Retry-After: nothing was written and the caller may try again. Found by the term soak: 64
writes queued behind SQLite's lock answered a bare 500. Any other operational error stays a 500."""

import sqlite3

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from api.errors import install_error_handlers

RAISED = {
    "locked": OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked")),
    "pool": PoolTimeout("QueuePool limit of size 5 overflow 10 reached"),
    "bug": OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: nothing")),
}


@pytest.fixture
def client():
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/write/{case}")
    async def write(case: str):
        raise RAISED[case]

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


@pytest.mark.parametrize("case", ["locked", "pool"])
async def test_a_busy_database_is_a_503_to_try_again(client, case):
    answer = await client.post(f"/write/{case}")
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "5"
    assert "try again" in answer.json()["detail"]


async def test_another_operational_error_stays_a_500(client):
    assert (await client.post("/write/bug")).status_code == 500
