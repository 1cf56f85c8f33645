#!/bin/bash
# Params are in environment variables as PARAM_{SLUG}.
set -euo pipefail
echo "Restarting ${PARAM_SERVICE} (graceful=${PARAM_GRACEFUL})"
echo "stopping ${PARAM_SERVICE}" >&2
echo "airplane_output_set {\"service\":\"${PARAM_SERVICE}\",\"restarted\":true}"
echo "airplane_output_set:[\"graceful\"] ${PARAM_GRACEFUL}"
echo "done"
