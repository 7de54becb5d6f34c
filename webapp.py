"""The web application, assembled: the JSON API under /api/v1 and the console under /console,
sharing one app (settings, database, Temporal client). `uvicorn webapp:app`."""

import asyncio
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from temporalio.client import Client
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api.audit import AuditMiddleware
from api.body_limit import BodySizeLimit
from api.errors import install_error_handlers
from api.metrics import instrument
from api.request_id import RequestIdMiddleware
from api.routes import health
from api.routes.accounts import activation, auth, users
from api.routes.campaigns import campaigns, tasks
from api.routes.campaigns import themes as campaign_themes
from api.routes.directory import directory, teachers
from api.routes.evaluation import rounds as evaluation_rounds, scheme as evaluation_scheme
from api.routes.exchanges import exchanges
from api.routes.library import offers as library_offers
from api.routes.library import resources as library_resources
from api.routes.notifications import channels, notifications
from api.routes.runs import audit, runs
from api.routes.series import calendars, series
from api.routes.mentoring import pairs as mentoring_pairs, programmes as mentoring_programmes
from api.routes.todos import todos
from api.routes.tours import tours
from api.security_headers import SecurityHeadersMiddleware
from config import Settings, get_settings
from console.app import install_console
from db import create_engine, create_session_factory
from engine.connection import connect_temporal
from engine.telemetry import tracing
from services.accounts.login_throttle import LoginThrottle
from services.accounts.security import signing_key
from services.campaigns.vector_queue import VectorQueue

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None, *, temporal: Client | None = None) -> FastAPI:
    """Build the app. Tests pass their own settings and the client of their Temporal test server."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        signing_key(settings)  # no key, no API: nothing may be signed with a key anyone can know
        engine = create_engine(settings.database_url)
        app.state.settings = settings
        app.state.login_throttle = LoginThrottle(per_username=settings.login_limits_per_username,
                                                 per_address=settings.login_limits_per_address)
        app.state.session_factory = create_session_factory(engine)
        app.state.vector_queue = VectorQueue(app.state.session_factory)
        encoding = asyncio.create_task(app.state.vector_queue.run())
        # Lazy: the API starts (and /health says why) even while Temporal is still coming up.
        app.state.temporal = temporal or await connect_temporal(settings, lazy=True)
        yield
        encoding.cancel()  # what it had not encoded yet is encoded when collection closes
        await engine.dispose()

    app = FastAPI(
        title="教研流 Jiaoyan Flow",
        description="County teaching-research workflows: campaigns (订单式教研), weekly joint sessions (联片教研).",
        version="0.1.0",
        lifespan=lifespan,
        **({} if settings.api_docs_served else {"docs_url": None, "redoc_url": None, "openapi_url": None}),
    )
    install_error_handlers(app)
    app.add_middleware(AuditMiddleware)
    app.add_middleware(BodySizeLimit, limit=settings.max_body_bytes,
                       larger={f"{API_PREFIX}/teachers/import": settings.max_import_bytes,
                               f"{API_PREFIX}/tours/import": settings.max_import_bytes,

                               # the library's uploads: each kind's own limit is applied as they stream
                               f"{API_PREFIX}/library/uploads": settings.library_upload_limit,
                               "/console/library/upload": settings.library_upload_limit})
    if settings.trusted_proxy_list:
        # The address the login limits count (api/deps.py): X-Forwarded-For only from these peers.
        # The server itself never reads it (scripts/serve_api.py), so there is one list of them.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_list)
    # Added last, so outermost: every answer gets the headers, a refused body's 413 included. The
    # body limit sits inside it but still before anything reads the body.
    app.add_middleware(SecurityHeadersMiddleware, https=settings.secure_cookies,
                       docs_paths={app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url})
    # Operations (issue 23): request metrics (api/metrics.py), traces when OTLP_ENDPOINT is set, and
    # a request id around everything, so even a refused request's log lines carry it.
    instrument(app)
    if tracing(settings, service="jiaoyan-api"):
        FastAPIInstrumentor.instrument_app(app)
    app.add_middleware(RequestIdMiddleware)
    api = APIRouter(prefix=API_PREFIX)
    for router in [health.router, auth.router, users.router, teachers.router, *directory.routers,
                   campaigns.router, tasks.router,
                   campaign_themes.router,
                   series.router, calendars.router, audit.router, runs.router,
                   notifications.router, channels.router, activation.router,
                   mentoring_programmes.router, mentoring_pairs.router,
                   tours.router, todos.router,
                   library_resources.router, library_offers.router,
                   exchanges.router,
                   evaluation_rounds.router, evaluation_scheme.router]:
        api.include_router(router)
    app.include_router(api)
    install_console(app)
    return app


app = create_app()
