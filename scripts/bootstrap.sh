#!/usr/bin/env bash
# Creates .venv (if needed) and installs the project with its dev and test extras, and Debian's
# chromium with an emoji font for the playground (its browser tests, and status emoji that read
# as emoji rather than empty boxes; Playwright drives it and never downloads a browser).
# Shared by ./run.sh and ./test.sh so a fresh machine needs nothing else.
#   --tests   also what only the tests need: PostgreSQL's server binaries (./test.sh passes it;
#             ./run.sh does not, so running the bot installs no database server).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
FOR_TESTS=0
for arg in "$@"; do
  case "$arg" in
    --tests) FOR_TESTS=1 ;;
    *) echo "bootstrap: unknown option $arg (known: --tests)" >&2; exit 2 ;;
  esac
done
# PostgreSQL server binaries: the store's tests start a throwaway server with them
# (tests/support/postgres.py). Installed once, as root, through apt; never started here.
PG_LIB="${PG_LIB:-/usr/lib/postgresql}"  # where Debian puts each PostgreSQL version
if [ "$FOR_TESTS" = 1 ] && ! ls "$PG_LIB"/*/bin/initdb >/dev/null 2>&1 \
  && ! command -v initdb >/dev/null; then
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
  # setuptools prints a banner on every editable install ("Editable installation … folders in
  # your working directory … may take precedence"): here the working directory is the project,
  # so that precedence is the point. Only that message is hidden; every other warning shows.
  PYTHONWARNINGS="ignore:Editable installation" .venv/bin/python -m pip install --quiet -e '.[dev]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi
# The browser tests need /usr/bin/chromium, and the page an emoji font (without one, status
# emoji show as empty boxes, in the browser and in the screenshots): installed together, only
# where apt-get can run as root (CI and fresh Debian machines); elsewhere the browser tests skip
# and say why. Skipped at once when both are present.
EMOJI_FONT=/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf
if { [ ! -x /usr/bin/chromium ] || [ ! -f "$EMOJI_FONT" ]; } \
  && [ "${AIRPLANE_BOT_SKIP_CHROMIUM:-}" != "1" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "bootstrap: installing Debian's chromium and emoji font for the playground" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends chromium fonts-noto-color-emoji >/dev/null
  else
    echo "bootstrap: /usr/bin/chromium or the emoji font is missing; install Debian's" \
      "chromium and fonts-noto-color-emoji packages to run the browser tests" >&2
  fi
fi
