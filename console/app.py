"""Mounting the console on the FastAPI app."""

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from console import home
from console.auth import PASSWORD_PAGE, LoginRequired, PasswordChangeRequired, login_url
from console.campaigns import problems as campaign_problems
from console.campaigns import topics as campaign_topics
from console.campaigns import pages as campaigns
from console.campaigns import tasks
from console.evaluation import pages as evaluation
from console.campaigns import themes as campaign_themes
from console.mentoring import pages as mentoring
from console.library import pages as library
from console.exchanges import pages as exchanges
from console.notifications import pages as notifications
from console.operations import pages as operations
from console.render import page
from console.runs import pages as runs
from console.series import pages as series
from console.tours import pages as tours
from contracts.errors import DomainError

PREFIX = "/console"


def install_console(app: FastAPI) -> None:
    app.mount(f"{PREFIX}/static", StaticFiles(directory=Path(__file__).parent / "static"), name="console-static")
    for module in (
        home,
        runs,
        series,
        campaigns,
        campaign_problems,
        campaign_topics,
        campaign_themes,
        tasks,
        notifications,
        mentoring,
        evaluation,
        operations,
        tours,
        library,
        exchanges,
    ):
        app.include_router(module.router, prefix=PREFIX, include_in_schema=False)

    @app.exception_handler(LoginRequired)
    async def to_login(_: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse(login_url(exc.next_path), status_code=303)

    @app.exception_handler(PasswordChangeRequired)
    async def to_password_page(_: Request, __: PasswordChangeRequired) -> RedirectResponse:
        return RedirectResponse(PASSWORD_PAGE, status_code=303)

    # Errors on console pages are pages too (a teacher on a phone should never see JSON): every
    # handler the API has for HTTP and domain errors answers console paths with the error page.
    api_handlers = {HTTPException: http_exception_handler} | {
        exc_class: handler for exc_class, handler in app.exception_handlers.items()
        if isinstance(exc_class, type) and issubclass(exc_class, DomainError)
    }
    for exc_class, api_handler in api_handlers.items():
        app.add_exception_handler(exc_class, _framed(api_handler))


def _framed(api_handler):
    async def handler(request: Request, exc: HTTPException | DomainError) -> Response:
        if not request.url.path.startswith(PREFIX):
            return await api_handler(request, exc)
        user = getattr(request.state, "user", None)
        return page(request, "error.html", user, status_code=exc.status_code, message=exc.detail)

    return handler
