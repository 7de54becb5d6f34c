#!/usr/bin/env bash
# Rebuild the locks from pyproject.toml in a clean venv: requirements.lock (what the product runs
# on, used by the Docker image) and requirements-dev.lock (that plus the test tools).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
venv=$(mktemp -d)/venv
$python -m venv "$venv"
deps() { $python -c "import tomllib,sys; p=tomllib.load(open('pyproject.toml','rb'))['project']; \
print('\n'.join(p['dependencies'] if sys.argv[1]=='run' else p['optional-dependencies']['dev']))" "$1"; }
"$venv/bin/pip" install --quiet $(deps run)
{ echo "# The product's whole dependency tree, pinned. Regenerate with \`make lock\`."; "$venv/bin/pip" freeze; } \
  > requirements.lock
"$venv/bin/pip" install --quiet $(deps dev)
{ echo "# Test tools on top of requirements.lock, pinned. Regenerate with \`make lock\`."; echo "-r requirements.lock"
  "$venv/bin/pip" freeze | grep -vxFf requirements.lock; } > requirements-dev.lock
