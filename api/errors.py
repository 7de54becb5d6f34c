"""Domain errors → HTTP answers, all JSON with a readable `detail`."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from services.errors import Conflict, Forbidden, InvalidField, NotFound, Unavailable
from services.roster import RosterRejected


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotFound)
    async def not_found(_: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=404)

    @app.exception_handler(InvalidField)
    async def invalid_field(_: Request, exc: InvalidField) -> JSONResponse:
        # Same shape as FastAPI's own validation errors, so clients parse one format.
        detail = [{"loc": ["body", exc.field], "msg": exc.detail, "type": "value_error"}]
        return JSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(Forbidden)
    async def forbidden(_: Request, exc: Forbidden) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=403)

    @app.exception_handler(Unavailable)
    async def unavailable(_: Request, exc: Unavailable) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=503)

    @app.exception_handler(Conflict)
    async def conflict(_: Request, exc: Conflict) -> JSONResponse:
        return JSONResponse({"detail": exc.detail, **exc.extra}, status_code=409)

    @app.exception_handler(RosterRejected)
    async def roster_rejected(_: Request, exc: RosterRejected) -> JSONResponse:
        errors = [e.model_dump() for e in exc.errors]
        return JSONResponse({"detail": exc.detail, "errors": errors}, status_code=422)
