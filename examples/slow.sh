#!/bin/bash
for ((i = 1; i <= PARAM_SECONDS; i++)); do
  echo "tick $i"
  sleep 1
done
echo "airplane_output_set {\"slept\":${PARAM_SECONDS}}"
