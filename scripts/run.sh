#!/usr/bin/env bash
# The main job: runs the scenarios on real kind clusters and judges them. Sets up what it needs on
# a fresh machine first — the build tools, Docker (scripts/docker-up.sh) — then
# `sidecar-e2e run --build-images`, which builds (cached in ~/.cache/sidecar-e2e; no image
# registry needed) the offline images of the minors and injectors it runs, and runs with them.
#
#   scripts/run.sh                                   # 1.32, gate on and off, builtin injector
#   scripts/run.sh --k8s 1.32 --gate off --mode native --artifacts /tmp/rejected
#   scripts/run.sh --k8s 1.28,1.37 --gate on,off,default --parallel 2
#   scripts/run.sh --k8s all --gate on,off,default --parallel 3   # every minor (builds each once)
#
# With no arguments it runs the default matrix: --k8s 1.32 --gate on,off --injector builtin. Any
# arguments replace that and go to `sidecar-e2e run` as they are (`cargo run -p sidecar-e2e --
# run --help` lists them). Exit codes are run's: 0 every check met its expectation, 1 one did
# not, 2 bad input, 4 a cell could not be set up, 5 a harness fault left checks undecided, 130
# interrupted.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/tools.sh
ensure_offline_build_tools
scripts/docker-up.sh
if [ $# -eq 0 ]; then
  set -- --k8s 1.32 --gate on,off --injector builtin
fi
exec cargo run --locked --quiet -p sidecar-e2e -- run --build-images "$@"
