#!/usr/bin/env bash
# Step `run` of action.yml: `sidecar-e2e run` for the cell, on a kind cluster of its own, with
# its console (stdout and stderr) also kept in $WORK/run.log, where step `cleanup` finds the run's
# id. Fails the step unless the run exits 0; the exit code and its meaning are outputs either way.
#
#   sidecar-e2e run --k8s K8S --gate GATE --injector INJECTOR --artifacts ARTIFACTS
#                   [--scenarios SCENARIOS] [--scenario SCENARIO] [--image-map IMAGE_MAP]
#
# Reads SIDECAR_E2E, K8S, GATE, INJECTOR, ARTIFACTS, WORK, and SCENARIOS, SCENARIO, IMAGE_MAP
# (each left out when empty). Outputs: exit-code, outcome (passed, failed, bad-input, io-error,
# setup-failed, harness-fault, interrupted or error, sidecar-e2e's documented exit codes), run-id.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_env GITHUB_OUTPUT SIDECAR_E2E K8S GATE INJECTOR ARTIFACTS WORK

args=(run --k8s "$K8S" --gate "$GATE" --injector "$INJECTOR" --artifacts "$ARTIFACTS")
if [ -n "${SCENARIOS:-}" ]; then
  args+=(--scenarios "$SCENARIOS")
fi
if [ -n "${SCENARIO:-}" ]; then
  args+=(--scenario "$SCENARIO")
fi
if [ -n "${IMAGE_MAP:-}" ]; then
  args+=(--image-map "$IMAGE_MAP")
fi

log="$WORK/run.log"
say "$SIDECAR_E2E ${args[*]}"
status=0
"$SIDECAR_E2E" "${args[@]}" 2>&1 | tee "$log" || status=${PIPESTATUS[0]}

case "$status" in
  0) outcome=passed ;;
  1) outcome=failed ;;
  2) outcome=bad-input ;;
  3) outcome=io-error ;;
  4) outcome=setup-failed ;;
  5) outcome=harness-fault ;;
  130) outcome=interrupted ;;
  *) outcome=error ;;
esac
# The run prints `run <id>: …` (or `run <id> (round …): …`) before it creates anything.
run_id=$(sed -n 's/^run \([0-9]\{12\}-[0-9a-f]\{4\}\)[: ].*/\1/p' "$log" | head -n 1)
output exit-code "$status"
output outcome "$outcome"
output run-id "$run_id"
if [ "$status" -ne 0 ]; then
  fail "sidecar-e2e run exited $status ($outcome); the summary and the artifacts say why"
fi
