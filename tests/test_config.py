import re
import tomllib

import pytest
from pydantic import ValidationError

from config import ROOT, Settings


def test_a_short_secret_key_is_refused():
    with pytest.raises(ValidationError, match="secret_key"):
        Settings(_env_file=None, secret_key="too-short-to-sign")
    assert Settings(_env_file=None, environment="production", secret_key="x" * 40).secret_key == "x" * 40


def test_sqlite_under_var_dir_by_default(tmp_path):
    settings = Settings(_env_file=None, var_dir=tmp_path)
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'jiaoyan.db'}"
    assert settings.tz.key == "Asia/Shanghai"


def test_every_pinned_dependency_is_in_the_locks():
    """pyproject.toml names what we use; the locks are what gets installed. They must agree."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    locked = {}
    for lock in ("requirements.lock", "requirements-dev.lock"):
        for line in (ROOT / lock).read_text().splitlines():
            if "==" in line:
                name, version = line.split("==")
                locked[re.sub(r"[-_.]+", "-", name).lower()] = version
    for requirement in project["dependencies"] + project["optional-dependencies"]["dev"]:
        name, version = re.sub(r"\[.*\]", "", requirement).split("==")
        assert locked.get(re.sub(r"[-_.]+", "-", name).lower()) == version, requirement
