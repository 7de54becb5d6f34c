"""Mounting the console on the FastAPI app."""

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from console import campaign_problems, campaign_topics, campaigns, home, notifications, runs, series, tasks
from console.auth import LoginRequired, login_url

PREFIX = "/console"


def install_console(app: FastAPI) -> None:
    app.mount(f"{PREFIX}/static", StaticFiles(directory=Path(__file__).parent / "static"), name="console-static")
    for module in (home, runs, series, campaigns, campaign_problems, campaign_topics, tasks, notifications):
        app.include_router(module.router, prefix=PREFIX, include_in_schema=False)

    @app.exception_handler(LoginRequired)
    async def to_login(_: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse(login_url(exc.next_path), status_code=303)
