"""Domain errors → HTTP answers, all JSON with a readable `detail` and the error's own status."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from contracts.errors import DomainError, InvalidField, TooManyAttempts
from services.roster import RosterRejected


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> JSONResponse:
        # The extras say what the client needs to act on, e.g. the current phase of a 409.
        return JSONResponse({"detail": exc.detail, **exc.extra}, status_code=exc.status_code)

    @app.exception_handler(InvalidField)
    async def invalid_field(_: Request, exc: InvalidField) -> JSONResponse:
        # Same shape as FastAPI's own validation errors, so clients parse one format.
        detail = [{"loc": ["body", exc.field], "msg": exc.detail, "type": "value_error"}]
        return JSONResponse({"detail": detail}, status_code=exc.status_code)

    @app.exception_handler(TooManyAttempts)
    async def too_many_attempts(_: Request, exc: TooManyAttempts) -> JSONResponse:
        return JSONResponse({"detail": exc.detail, **exc.extra}, status_code=exc.status_code,
                            headers={"Retry-After": str(exc.retry_after)})

    @app.exception_handler(RosterRejected)
    async def roster_rejected(_: Request, exc: RosterRejected) -> JSONResponse:
        errors = [e.model_dump() for e in exc.errors]
        return JSONResponse({"detail": exc.detail, "errors": errors, "more_errors": exc.more_errors},
                            status_code=exc.status_code)
