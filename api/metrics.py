"""The API's request metrics (prometheus-fastapi-instrumentator): counts and latencies per route
template and status. They are served on a port of their own, never on the public API
(scripts/serve_api.py: METRICS_HOST:API_METRICS_PORT/metrics, summed over the server's processes)."""

from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from prometheus_fastapi_instrumentator import Instrumentator


def instrument(app: FastAPI) -> None:
    # A registry per app: tests build many apps in one process. Under scripts/serve_api.py the
    # values go to PROMETHEUS_MULTIPROC_DIR whichever registry holds them.
    Instrumentator(registry=CollectorRegistry(), excluded_handlers=["/console/static/.*"]).instrument(app)
