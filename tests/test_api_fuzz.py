"""Schemathesis over the whole OpenAPI, as admin, staff and teacher: whatever a client sends,
the API never answers 5xx. Fixed seed, a bounded number of cases per operation; each distinct
failure it found is pinned down in tests/test_security_inputs.py with its exact input.

The app runs in-process with the product's worker, against a dev server of its own (visibility
for /runs; no run left waiting by another test can hold up an Update). Hypothesis calls each case
synchronously, so the test is a plain function that drives the event loop the app, its database
and the worker live on, one request at a time."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from contracts.search_attributes import ALL as SEARCH_ATTRIBUTES
from engine.connection import bundled_binary
from tests.conftest import DEMO_PASSWORD, api_client
from webapp import app

pytestmark = pytest.mark.heavy

SCHEMA = schemathesis.openapi.from_dict(app.openapi())
# Logging out ends the session every later case is sent with: it goes last.
ENDS_THE_SESSION = "POST /api/v1/auth/logout"
OPERATIONS = sorted((result.ok() for result in SCHEMA.get_all_operations()),
                    key=lambda operation: operation.label == ENDS_THE_SESSION)
EXAMPLES_PER_MODE = 8  # per operation, role and mode (valid and invalid input): 16 cases
FUZZ_SETTINGS = settings(  # the same cases every run; a failure is shrunk to its smallest input
    max_examples=EXAMPLES_PER_MODE, derandomize=True, database=None, deadline=None,
    suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate, Phase.shrink],
)


@pytest.fixture
async def fuzz_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=bundled_binary("temporal"), search_attributes=SEARCH_ATTRIBUTES,
        data_converter=pydantic_data_converter, ui=False,
    )
    yield env
    await env.shutdown()


@pytest.fixture
async def fuzz_target(settings, session_factory, demo, fuzz_env, worker_on):
    """(the test's event loop, a client of the API)."""
    # An exception in the app is answered 500, as a server would, so its case is reported.
    async with (worker_on(fuzz_env.client),
                api_client(settings, fuzz_env.client, raise_app_exceptions=False) as client):
        yield asyncio.get_running_loop(), client


async def _send(client: httpx.AsyncClient, kwargs: dict) -> httpx.Response:
    # Schemathesis prepares requests-style arguments (json, form, multipart): let requests encode them.
    prepared = requests.Request(**kwargs).prepare()
    return await client.request(prepared.method, prepared.url, headers=dict(prepared.headers),
                                content=prepared.body)


@pytest.mark.parametrize("username", ["admin", "staff01", "t0001"])
def test_no_input_makes_a_server_error(fuzz_target, username):
    loop, client = fuzz_target
    token = loop.run_until_complete(
        client.post("/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    failures = []
    for operation in OPERATIONS:
        for mode in GenerationMode:

            @FUZZ_SETTINGS
            @given(case=operation.as_strategy(generation_mode=mode))
            def answers_without_5xx(case):
                kwargs = case.as_transport_kwargs(base_url=str(client.base_url), headers=headers)
                response = loop.run_until_complete(_send(client, kwargs))
                case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

            try:
                answers_without_5xx()
            except Unsatisfiable:  # nothing to get wrong (an operation without parameters)
                pass
            except (Exception, FailureGroup) as failure:  # noqa: BLE001 - every operation is tried, all reported
                failures.append(f"{operation.label} ({mode}): {failure}")
    assert not failures, "\n\n".join(failures)
