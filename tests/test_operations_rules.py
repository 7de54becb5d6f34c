"""The Prometheus alert rules and the Grafana dashboard in ops/: `promtool check rules` accepts the
rules (Debian's prometheus package; scripts/system-deps.sh installs it), and every series they read
is one the product exports (the names tests/test_operations_metrics.py scrapes, and their kin)."""

import json
import os
import re
import shutil
import subprocess

import pytest
import yaml

from config import ROOT

RULES = ROOT / "ops" / "prometheus" / "alerts.yml"
DASHBOARD = ROOT / "ops" / "grafana" / "jiaoyan-flow.json"
EXPORTED = {
    # the worker: Temporal's SDK (PrometheusConfig, counters with _total, durations in seconds) ...
    "temporal_workflow_task_schedule_to_start_latency_bucket", "temporal_activity_schedule_to_start_latency_bucket",
    "temporal_workflow_task_execution_failed_total", "temporal_activity_execution_failed_total",
    "temporal_worker_task_slots_available",
    # ... and the product's (engine/worker_vitals.py)
    "jiaoyan_runs_stalled", "jiaoyan_notices", "jiaoyan_backup_age_seconds", "jiaoyan_reconciler_starts_total",
    # the API (prometheus-fastapi-instrumentator)
    "http_requests_total", "http_request_duration_seconds_bucket",
}
SERIES = re.compile(r"\b(?:temporal|jiaoyan|http)_[a-z_]+\b")


def expressions() -> list[str]:
    rules = [rule["expr"] for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]]
    panels = [target["expr"] for panel in json.loads(DASHBOARD.read_text())["panels"] for target in panel["targets"]]
    return rules + panels


def test_promtool_accepts_the_rules():
    promtool = shutil.which("promtool")
    if promtool is None:
        if os.environ.get("CI"):
            pytest.fail("promtool missing in CI (scripts/system-deps.sh installs Debian's prometheus)")
        pytest.skip("promtool not installed (apt-get install prometheus)")
    checked = subprocess.run([promtool, "check", "rules", str(RULES)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_rules_and_dashboard_read_only_exported_series():
    used = {name for expr in expressions() for name in SERIES.findall(expr)}
    assert used <= EXPORTED, used - EXPORTED
    alerts = {rule["alert"] for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]}
    assert {"WorkflowTasksWaiting", "WorkflowTaskFailures", "RunsStalled", "NoticesFailed", "BackupTooOld"} <= alerts
