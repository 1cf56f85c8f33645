#!/usr/bin/env bash
# The one test command: installs what is missing (PostgreSQL's server for the store's tests
# included), then runs every quality gate and the tests.
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh --tests
. .venv/bin/activate
ruff check .
ruff format --check .
mypy
hadolint Dockerfile
pytest "$@"
