"""Traces (engine/telemetry.py, webapp.py): with OTLP_ENDPOINT set, `POST …/phase/close` is one span
of FastAPI's instrumentation, the Update it sends is its child (temporalio's TracingInterceptor on
the API's client), and in the worker the Update's handler and the activity that records the close
follow it. Spans are kept in memory here (a tracer provider of the test's own, which the app keeps)."""

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor

from tests.conftest import DEMO_PASSWORD, api_client
from worker import create_worker

EXPORTER = InMemorySpanExporter()
SCHEDULE = {phase: "P7D" for phase in ("collect_topics", "train", "design_plan", "practise", "reflect")}


def _provider() -> None:
    """One tracer provider per process (OpenTelemetry refuses a second): the first test sets it."""
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
        trace.set_tracer_provider(provider)


async def test_one_trace_joins_the_close_request_its_update_and_the_activity(settings, session_factory, demo, ts_env):
    _provider()
    EXPORTER.clear()
    settings = settings.model_copy(update={"otlp_endpoint": "http://127.0.0.1:9"})  # never reached: spans stay here
    client = Client(**{**ts_env.client.config(), "interceptors": [TracingInterceptor()]})
    async with create_worker(client, settings=settings, session_factory=session_factory), \
            api_client(settings, client) as api:
        token = (await api.post("/api/v1/auth/token", data={"username": "staff01", "password": DEMO_PASSWORD})).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        launched = await api.post("/api/v1/campaigns", headers=headers,
                                  json={"title": "春季教研", "cluster_ids": [1], "schedule": SCHEDULE})
        assert launched.status_code == 201, launched.text
        campaign_id = launched.json()["id"]
        closed = await api.post(f"/api/v1/campaigns/{campaign_id}/phase/close", headers=headers)
        assert closed.status_code == 200, closed.text
        await client.get_workflow_handle(f"campaign-{campaign_id}").terminate("test over")

    spans = EXPORTER.get_finished_spans()
    request = next(s for s in spans if s.name == "POST /api/v1/campaigns/{campaign_id}/phase/close"
                   and s.kind == trace.SpanKind.SERVER)
    update = next(s for s in spans if s.name == "StartWorkflowUpdate:close_phase")
    handled = next(s for s in spans if s.name == "HandleUpdate:close_phase")
    recorded = [s for s in spans if s.name == "RunActivity:record_transition" and s.start_time > handled.start_time]

    assert update.context.trace_id == request.context.trace_id  # the Update is the request's child
    assert update.parent is not None and update.parent.trace_id == request.context.trace_id
    # In the worker the handler links back to that Update (it runs inside the run's own trace, the
    # one its launch began); the activity recording the close runs there after it.
    assert any(link.context.span_id == update.context.span_id for link in handled.links)
    assert recorded and recorded[0].context.trace_id == handled.context.trace_id
