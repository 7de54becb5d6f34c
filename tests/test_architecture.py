"""The code's structure, checked like its behaviour: the layer order (import-linter contracts in
pyproject.toml), authorization only in the application layer, queries only in services, the
phase-rule table as the only phase list for an action, and every write route labelled for the
audit trail."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from api.audit import UNAUDITED_ROUTES, WRITE_METHODS, action_label
from config import ROOT
from contracts.campaigns import phase_rules
from contracts.campaigns.history import CYCLE, Phase, PhaseStep
from contracts.campaigns.phase_rules import CampaignAction
from webapp import create_app

WEB = ["api/routes", "console"]  # where requests are parsed and answers rendered


def _modules(*folders: str) -> list[Path]:
    return [path for folder in folders for path in sorted((ROOT / folder).rglob("*.py"))]


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """lint-imports over the tree at `root`, in a process of its own: run in this one, it would
    disable every logger that exists (logging.config), and later tests' log checks with them."""
    return subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache"], cwd=root,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True)


def test_import_contracts_hold():
    """A folder-level import loop, or a route reaching a workflow, fails here (run
    `.venv/bin/lint-imports` to see the offending chain)."""
    lint = lint_imports(ROOT)
    assert lint.returncode == 0, lint.stdout + lint.stderr


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
    lint = lint_imports(tmp_path)
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


# What building or running a query looks like in code.
SQL_IMPORTS = {"select", "update", "insert", "delete", "text", "func", "and_", "or_", "exists"}
STATEMENT_METHODS = {"where", "order_by", "limit", "offset", "join", "outerjoin", "group_by", "having", "in_",
                     "returning", "with_only_columns", "filter", "filter_by"}
QUERYING_SESSION_METHODS = {"execute", "scalar", "scalars", "stream", "stream_scalars"}


def _queries(path: Path) -> list[str]:
    found = []
    for node in ast.walk(_tree(path)):
        where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            found += [f"{where} imports {alias.name}" for alias in node.names if alias.name in SQL_IMPORTS]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            receiver, method = node.func.value, node.func.attr
            on_session = (isinstance(receiver, ast.Attribute) and receiver.attr == "session") or (
                isinstance(receiver, ast.Name) and receiver.id == "session")
            if (method in STATEMENT_METHODS and not isinstance(receiver, ast.Constant)  # " 或 ".join(...)
                    or on_session and method in QUERYING_SESSION_METHODS):
                found.append(f"{where} .{method}(")
    return found


def test_actions_build_no_queries():
    """Actions decide who may, apply the rule and steer the run; what they read or write goes
    through a named service function (services/<domain>/). The rule: no statement is built in
    actions/ (no select/update/insert/delete/text/func from sqlalchemy, no .where/.order_by/.limit...
    on a statement) and none is run there (no session.execute/scalar(s)/stream). What the unit of
    work does with rows it holds stays: session.get (a row by its key, often to check who may),
    session.add, session.delete(row) and session.commit (an action commits once, before it
    answers). A statement a service built may be handed to another service (paging)."""
    assert [hit for path in _modules("actions") for hit in _queries(path)] == []


def test_every_write_route_says_what_it_does():
    """The audit trail stores each write's label as its route declares it (`summary=`, read by
    api/audit.py), and the run timeline shows it: a write route without one would be recorded
    as a bare URL."""
    unlabelled = [f"{method} {context.path}" for context in iter_route_contexts(create_app().routes)
                  if isinstance(context.route, APIRoute) and context.path not in UNAUDITED_ROUTES
                  for method in context.methods & WRITE_METHODS if not action_label(context.route)]
    assert unlabelled == []


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
