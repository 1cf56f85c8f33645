"""Where the vendored API facts live: `docs/reference/` (copied from Airplane's and Slack's docs).

The copy is part of the repository so that a clean checkout on a fresh machine can run every
test; nothing outside the repository is read.
"""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
REFERENCE_DIR = REPO_ROOT / "docs" / "reference"
SLACK_REFERENCE_DIR = REFERENCE_DIR / "slack"
