#!/usr/bin/env bash
# nextest setup script for the e2e suites that run on a cell's cluster (tests/cell_*.rs): brings
# one cluster up with `sidecar-e2e cluster up` and hands the tests its environment through
# $NEXTEST_ENV. The cell comes from SIDECAR_E2E_K8S / SIDECAR_E2E_GATE / SIDECAR_E2E_INJECTOR /
# SIDECAR_E2E_MODE (default 1.32, on, builtin, auto).
#
# When SIDECAR_E2E_KUBECONFIG is already set (a workflow ran `cluster up` itself and exported its
# env file), it uses that cluster and creates nothing. Otherwise the env file goes to
# target/sidecar-e2e/e2e-cluster.env, and scripts/test.sh runs `sidecar-e2e cluster down` on it
# after the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${SIDECAR_E2E_KUBECONFIG:-}" ]; then
  echo "e2e-cluster-up: using the cluster in $SIDECAR_E2E_KUBECONFIG" >&2
  exit 0
fi
env_file="$PWD/target/sidecar-e2e/e2e-cluster.env"
cargo run --locked --quiet -p sidecar-e2e -- cluster up \
  --k8s "${SIDECAR_E2E_K8S:-1.32}" --gate "${SIDECAR_E2E_GATE:-on}" \
  --injector "${SIDECAR_E2E_INJECTOR:-builtin}" --mode "${SIDECAR_E2E_MODE:-auto}" \
  --env-file "$env_file"
if [ -n "${NEXTEST_ENV:-}" ]; then
  cat "$env_file" >>"$NEXTEST_ENV"
fi
