"""Metrics and traces of the Temporal side (issue 23).

Metrics: a worker process builds one `Runtime` whose Prometheus exporter serves the SDK's metrics
(schedule-to-start latency, workflow task failures, slots...) and the product's own gauges on
METRICS_HOST:WORKER_METRICS_PORT/metrics. Traces: with OTLP_ENDPOINT set, every client (API, worker,
scripts) carries temporalio's TracingInterceptor, which the worker inherits from its client, so a
request's span, the workflow's Update and the activities join through the headers Temporal carries."""

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from config import Settings


def metrics_runtime(settings: Settings) -> Runtime | None:
    """The runtime exporting this process's Temporal metrics (None: WORKER_METRICS_PORT unset).
    Durations in seconds, as Prometheus expects and the alert rules are written."""
    if settings.worker_metrics_port is None:
        return None
    exporter = PrometheusConfig(bind_address=f"{settings.metrics_host}:{settings.worker_metrics_port}",
                                durations_as_seconds=True, counters_total_suffix=True)
    return Runtime(telemetry=TelemetryConfig(metrics=exporter))


def tracing(settings: Settings, *, service: str) -> bool:
    """Sends this process's spans to OTLP_ENDPOINT (once per process); whether tracing is on. A
    tracer provider set already (a test's in-memory one) is kept."""
    if not settings.otlp_endpoint:
        return False
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(
            endpoint=f"{settings.otlp_endpoint.rstrip('/')}/v1/traces")))
        trace.set_tracer_provider(provider)
    return True


def client_interceptors(settings: Settings) -> list:
    return [TracingInterceptor()] if settings.otlp_endpoint else []
