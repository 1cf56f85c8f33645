#!/usr/bin/env bash
# Creates .venv (if needed) and installs the project with its dev and test extras, and Debian's
# chromium for the playground's browser tests (Playwright drives it; it never downloads a browser).
# Shared by ./run.sh and ./test.sh so a fresh machine needs nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
# PostgreSQL server binaries: the store's tests start a throwaway server with them
# (tests/support/postgres.py). Installed once, as root, through apt; never started here.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  else
    echo "bootstrap: no PostgreSQL server binaries; its tests will be skipped" \
      "(install Debian's postgresql package as root)" >&2
  fi
fi
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[dev]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi
# The browser tests need /usr/bin/chromium. Installed only where apt-get can run as root (CI and
# fresh Debian machines); elsewhere the browser tests skip and say why. Skipped at once when present.
if [ ! -x /usr/bin/chromium ] && [ "${AIRPLANE_BOT_SKIP_CHROMIUM:-}" != "1" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "bootstrap: installing Debian's chromium for the browser tests" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # The emoji font lets the page show status emoji (and the screenshots too).
    apt-get install -y -qq --no-install-recommends chromium fonts-noto-color-emoji >/dev/null
  else
    echo "bootstrap: /usr/bin/chromium is missing; install Debian's chromium package" \
      "(apt-get install chromium) to run the browser tests" >&2
  fi
fi
