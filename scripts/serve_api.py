"""The API server, as `make run`, the Dockerfile and docker-compose.yml start it:

    python -m scripts.serve_api [--app webapp:app] [--host H] [--port P] [--workers N]

uvicorn, with limits on what comes before the body (the body limit is the app's, api/body_limit.py).
Its h11 parser, not httptools: httptools reads a header of any size, for as long as the client
sends it, while h11 refuses (400, connection closed) a request line and headers larger than
MAX_HEADER_BYTES. MAX_CONNECTIONS bounds the connections and requests in flight (503 beyond);
an idle connection closes after the keep-alive timeout. X-Forwarded-For is never read here: the
app reads it from TRUSTED_PROXIES only (webapp.py), so uvicorn's own default (trust 127.0.0.1)
cannot let a local client pick the address the login limits count."""

import argparse
import os
import tempfile

import uvicorn

from config import Settings, get_settings
from config.logs import dict_config

KEEP_ALIVE_SECONDS = 5


def server_options(settings: Settings) -> dict:
    return {"http": "h11", "h11_max_incomplete_event_size": settings.max_header_bytes,
            "limit_concurrency": settings.max_connections, "timeout_keep_alive": KEEP_ALIVE_SECONDS,
            "proxy_headers": False}


def main() -> None:
    settings = get_settings()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--app", default="webapp:app")
    parser.add_argument("--host", default=settings.api_host)
    parser.add_argument("--port", type=int, default=settings.api_port)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    serve_metrics(settings)
    # uvicorn's loggers and the app's through config/logs.py's handler (JSON, request ids), in every process.
    uvicorn.run(args.app, host=args.host, port=args.port, workers=args.workers, log_config=dict_config(settings),
                **server_options(settings))


def serve_metrics(settings: Settings) -> None:
    """METRICS_HOST:API_METRICS_PORT/metrics from this process, for all the server's processes: each
    writes its values under PROMETHEUS_MULTIPROC_DIR (set before any of them imports
    prometheus_client), and this one sums them at each scrape."""
    if settings.api_metrics_port is None:
        return
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="jiaoyan-metrics-"))
    from prometheus_client import CollectorRegistry, multiprocess, start_http_server

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    start_http_server(settings.api_metrics_port, addr=settings.metrics_host, registry=registry)


if __name__ == "__main__":
    main()
