#!/usr/bin/env bash
# The test suite, as `make test` and CI run it. pytest's "no tests collected" (exit 5) is a failure:
# a suite that silently finds nothing must not pass.
set -u
cd "$(dirname "$0")/.."
.venv/bin/python -m pytest "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: failing" >&2
  exit 1
fi
exit "$status"
