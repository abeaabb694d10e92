#!/usr/bin/env bash
# Step `summary` of action.yml (runs whatever happened before it): a heading naming the cell and
# its outcome, then the run's Markdown report (ARTIFACTS/summary.md) appended to
# $GITHUB_STEP_SUMMARY. Without a report (the run did not get that far) it says so and where to
# look. GitHub takes at most 1 MiB of summary per step: a longer report is cut, with a pointer to
# the uploaded artifact that holds it whole.
#
# Reads K8S, GATE, INJECTOR, ARTIFACTS, EXIT_CODE, OUTCOME (step `run`'s outputs; empty when it
# did not run). Outputs: summary (the report's path, or empty).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_env GITHUB_OUTPUT GITHUB_STEP_SUMMARY K8S GATE INJECTOR ARTIFACTS

report="$ARTIFACTS/summary.md"
limit=$((1000 * 1024))
{
  echo "### sidecar-e2e: Kubernetes $K8S, gate \`$GATE\`, injector \`$INJECTOR\` — ${OUTCOME:-did not run}${EXIT_CODE:+ (exit $EXIT_CODE)}"
  echo
  if [ -f "$report" ]; then
    if [ "$(stat -c %s "$report")" -le "$limit" ]; then
      cat "$report"
    else
      head -c "$limit" "$report"
      echo
      echo
      echo "_The report is longer than a step summary may be: the whole of it is summary.md in the uploaded artifact._"
    fi
  else
    echo "No report: \`sidecar-e2e run\` did not get to write one (see the job's log, and kind's logs in the artifact when a cluster failed)."
  fi
  echo
} >>"$GITHUB_STEP_SUMMARY"

if [ -f "$report" ]; then
  output summary "$report"
else
  output summary ""
fi
