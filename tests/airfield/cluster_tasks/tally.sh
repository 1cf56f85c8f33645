#!/usr/bin/env bash
set -euo pipefail
echo "$AIRPLANE_RUN_ID" >> "$PARAM_DIR/tally.txt"
echo "started"
sleep "$PARAM_SECONDS"
echo "done"
