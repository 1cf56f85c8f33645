#!/usr/bin/env bash
# The one run command: installs what is missing (no database server: the bot's store is an SQLite
# file), then starts airfield (with examples/) and the bot.
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh
exec .venv/bin/airplane-bot dev "$@"
