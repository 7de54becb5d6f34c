"""Domain errors → HTTP answers, all JSON with a readable `detail` and the error's own status."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

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
