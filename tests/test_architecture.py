"""The code's structure, checked like its behaviour: the layer order (import-linter contracts in
pyproject.toml), authorization only in the application layer, the phase-rule table as the only
phase list for an action."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from importlinter.cli import lint_imports

from config import ROOT
from contracts.campaigns import phase_rules
from contracts.campaigns.history import CYCLE, Phase, PhaseStep
from contracts.campaigns.phase_rules import CampaignAction

WEB = ["api/routes", "console"]  # where requests are parsed and answers rendered


def _modules(*folders: str) -> list[Path]:
    return [path for folder in folders for path in sorted((ROOT / folder).rglob("*.py"))]


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def test_import_contracts_hold():
    """A folder-level import loop, or a route reaching a workflow, fails here (run
    `.venv/bin/lint-imports` to see the offending chain)."""
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


PACKAGES = ["scripts", "api", "console", "actions", "engine", "workflows", "activities", "notifications", "services",
            "db", "models", "config", "contracts"]


@pytest.mark.parametrize("importer, reach", [
    ("services/series/steps.py", "from services.campaigns import flow"),  # a sibling's internals, same layer
    ("actions/series/actions.py", "from services.campaigns import report"),  # ... from another layer
    ("services/campaigns/views.py", "from services.series import steps"),  # campaigns know nothing of series
    ("contracts/campaigns/history.py", "from contracts.campaigns import api"),  # history types import HTTP types
])
def test_a_domain_reaching_into_a_sibling_breaks_a_contract(tmp_path, importer, reach):
    """The domain contracts bite: the same tree with one import added fails lint-imports."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with (tmp_path / importer).open("a") as module:
        module.write(f"\n{reach}  # noqa: E402\n")
    lint = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache"], cwd=tmp_path,
                          env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
    assert lint.returncode == 1 and "BROKEN" in lint.stdout, lint.stdout + lint.stderr


def _role_comparisons(path: Path) -> list[str]:
    found = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(isinstance(o, ast.Attribute) and o.attr == "role" for o in operands):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_no_route_or_page_checks_a_role():
    """Who may is the actions' decision (actions/policy.py and beside each action)."""
    assert [hit for path in _modules(*WEB) for hit in _role_comparisons(path)] == []


def _writes(path: Path) -> list[str]:
    found = []
    for node in ast.walk(_tree(path)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"commit", "add", "add_all", "flush", "execute", "delete"}
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "session"):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} session.{node.func.attr}")
    return found


def test_no_route_or_page_writes_the_database_itself():
    assert [hit for path in _modules(*WEB) for hit in _writes(path)] == []


def _phase_lists(path: Path) -> list[str]:
    """`x in (Phase.a, Phase.b)`: a list of phases some rule is made of."""
    found = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Compare) and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops):
            for literal in node.comparators:
                if isinstance(literal, (ast.Tuple, ast.List, ast.Set)) and any(
                        isinstance(e, ast.Attribute) and isinstance(e.value, ast.Name) and e.value.id == "Phase"
                        for e in literal.elts):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_the_phase_rule_table_is_the_only_phase_list_for_an_action():
    code = _modules("actions", "api", "console", "engine", "services", "workflows", "activities", "notifications")
    assert [hit for path in code for hit in _phase_lists(path)] == []


def test_every_action_has_a_rule_and_every_refusal_names_the_phase():
    assert set(phase_rules.RULES) == set(CampaignAction)
    for action in CampaignAction:
        for phase in [*CYCLE, Phase.completed, Phase.cancelled]:
            for step in PhaseStep:
                if not phase_rules.allows(action, phase, step):
                    refusal = phase_rules.refusal(action, phase, step)
                    assert refusal.status_code == 409 and refusal.extra["phase"] == phase.value
                    assert phase.label in refusal.detail
