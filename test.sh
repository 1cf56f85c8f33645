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
pytest -m "not fuzz" "$@"
# The fuzz stage (tests/fuzz): seeded hostile bodies, query strings and headers for every airfield
# endpoint, and oversized, chunked, slow and badly signed requests to the bot's edge. Any 5xx, any
# malformed error, any request over 1 s fails it. Under a minute on two cores.
pytest -m fuzz tests/fuzz
