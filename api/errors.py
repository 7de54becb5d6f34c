"""Domain errors → HTTP answers, all JSON with a readable `detail` and the error's own status."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from contracts.errors import DomainError, InvalidField
from services.directory.sheets import RosterRejected


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> JSONResponse:
        # The extras say what the client needs to act on, e.g. the current phase of a 409.
        return JSONResponse({"detail": exc.detail, **exc.extra}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(IntegrityError)
    async def integrity_error(_: Request, exc: IntegrityError) -> JSONResponse:
        # The services check uniqueness first (a 409 naming the fields); this is the rare request
        # that raced another past that check. Nothing was written: the request's session rolls back.
        return JSONResponse({"detail": "与已有记录冲突，请刷新后再试 (conflicts with an existing record)"},
                            status_code=409)

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)
    async def database_busy(request: Request, exc: Exception) -> JSONResponse:
        # SQLite's write lock held past its busy timeout, a pool with no free connection, or a
        # connection lost: nothing was written (the session rolls back), so say "try again" with
        # a 503 rather than a bare 500. Any other operational error is a bug and stays a 500.
        if not _database_busy(exc):
            raise exc
        return JSONResponse({"detail": "数据库繁忙，请稍后再试 (the database is busy: nothing was saved, try again)"},
                            status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(InvalidField)
    async def invalid_field(_: Request, exc: InvalidField) -> JSONResponse:
        # Same shape as FastAPI's own validation errors, so clients parse one format.
        detail = [{"loc": ["body", exc.field], "msg": exc.detail, "type": "value_error"}]
        return JSONResponse({"detail": detail}, status_code=exc.status_code)

    @app.exception_handler(RosterRejected)
    async def roster_rejected(_: Request, exc: RosterRejected) -> JSONResponse:
        errors = [e.model_dump() for e in exc.errors]
        return JSONResponse({"detail": exc.detail, "errors": errors, "more_errors": exc.more_errors},
                            status_code=exc.status_code)


def _database_busy(exc: Exception) -> bool:
    if isinstance(exc, PoolTimeout):
        return True
    return getattr(exc, "connection_invalidated", False) or "database is locked" in str(getattr(exc, "orig", exc))
