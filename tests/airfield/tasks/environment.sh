#!/bin/bash
set -eu
has() { if [ -n "${!1:-}" ]; then echo true; else echo false; fi; }
echo "airplane_output_set:[\"who\"] \"$PARAM_WHO\""
echo "airplane_output_set:[\"loud\"] \"$PARAM_LOUD\""
echo "airplane_output_set:[\"greeting\"] \"$GREETING\""
for name in AIRPLANE_API_HOST AIRPLANE_TOKEN AIRPLANE_RUN_ID AIRPLANE_ENV_ID AIRPLANE_ENV_SLUG AIRPLANE_TEAM_ID AIRFIELD_API_KEY \
    SLACK_BOT_TOKEN SLACK_APP_TOKEN SLACK_SIGNING_SECRET CLOUD_SECRET PATH HOME; do
  echo "airplane_output_set:[\"env\"][\"$name\"] $(has $name)"
done
echo "airplane_output_set:[\"runID\"] \"$AIRPLANE_RUN_ID\""
echo "airplane_output_set:[\"envSlug\"] \"$AIRPLANE_ENV_SLUG\""
echo "to stderr" >&2
