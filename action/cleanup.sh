#!/usr/bin/env bash
# Step `cleanup` of action.yml (runs whatever happened before it, a cancelled job included):
# deletes every kind cluster of the run (`sidecar-e2e cluster down --run-id`), then checks that
# kind lists none of them. The run removes its clusters itself when it ends; this catches a run
# that was killed (a step timeout, a cancelled job) before it could. The run's id is read from its
# log ($WORK/run.log), written before any cluster exists: no id, no cluster.
#
# Reads SIDECAR_E2E (empty when the install failed: then no run started), WORK. Outputs: run-id.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_env GITHUB_OUTPUT WORK

log="$WORK/run.log"
run_id=""
if [ -f "$log" ]; then
  run_id=$(sed -n 's/^run \([0-9]\{12\}-[0-9a-f]\{4\}\)[: ].*/\1/p' "$log" | head -n 1)
fi
output run-id "$run_id"
if [ -z "$run_id" ]; then
  say "no run started: no cluster to delete"
  exit 0
fi
[ -n "${SIDECAR_E2E:-}" ] || fail "run $run_id started, but SIDECAR_E2E is not set"

"$SIDECAR_E2E" cluster down --run-id "$run_id" || fail "sidecar-e2e cluster down --run-id $run_id failed"
left=$({ kind get clusters 2>/dev/null || true; } | grep -F -- "$run_id" || true)
[ -z "$left" ] || fail "kind still lists clusters of run $run_id: $left"
say "no kind cluster of run $run_id is left"
