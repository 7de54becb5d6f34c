"""The worker's build id names the workflow code: workflows/ and the contracts that travel in
histories. A change to the API alone must not look like a workflow change (README, Architecture)."""

import shutil
from pathlib import Path

from config import ROOT
from worker import BUILD_ID, build_id, history_code


def _copy_of_the_code(tmp_path: Path) -> Path:
    for folder in ("workflows", "contracts"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def _add_a_field(path: Path, to_class: str) -> None:
    source = path.read_text()
    header = f"class {to_class}(BaseModel):\n"
    assert header in source, f"{to_class} not in {path}"
    path.write_text(source.replace(header, header + "    added_for_the_test: int = 0\n", 1))


def test_the_build_id_digests_the_workflows_and_the_history_types_only():
    code = {str(path.relative_to(ROOT)) for path in history_code()}
    assert "workflows/campaign.py" in code and "contracts/campaigns/history.py" in code
    assert "contracts/notifications/notices.py" in code  # notice payloads travel in NotifyRequest
    assert not [path for path in code if path.endswith("/api.py")], code


def test_an_api_only_field_change_leaves_the_build_id_unchanged(tmp_path):
    copy = _copy_of_the_code(tmp_path)
    assert build_id(copy) == BUILD_ID
    _add_a_field(copy / "contracts/campaigns/api.py", "ProblemIn")
    _add_a_field(copy / "contracts/series/api.py", "MinutesIn")
    assert build_id(copy) == BUILD_ID


def test_a_history_type_change_changes_the_build_id(tmp_path):
    copy = _copy_of_the_code(tmp_path)
    _add_a_field(copy / "contracts/campaigns/history.py", "CampaignState")
    assert build_id(copy) != BUILD_ID
