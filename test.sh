#!/usr/bin/env bash
# The one test command: installs what is missing, then runs every quality gate and the tests.
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh
. .venv/bin/activate
ruff check .
ruff format --check .
mypy
hadolint Dockerfile
pytest "$@"
