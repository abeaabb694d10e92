#!/usr/bin/env bash
# The main job: runs the scenarios on real kind clusters and judges them. Sets up what it needs on
# a fresh machine first — Docker (scripts/docker-up.sh), the offline image build (cached in
# ~/.cache/sidecar-e2e; no image registry needed) — then `sidecar-e2e run` with the image map.
#
#   scripts/run.sh                                   # 1.32, gate on and off, builtin injector
#   scripts/run.sh --k8s 1.32 --gate off --mode native --artifacts /tmp/rejected
#   scripts/run.sh --k8s 1.28,1.37 --gate on,off,default --parallel 2
#   scripts/run.sh --k8s all --gate on,off,default --parallel 2   # every minor (builds each once)
#
# With no arguments it runs the default matrix that works offline: --k8s 1.32 --gate on,off
# --injector builtin. Any arguments replace that and go to `sidecar-e2e run` as they are
# (`cargo run -p sidecar-e2e -- run --help` lists them). Exit codes are run's: 0 every check met
# its expectation, 1 one did not, 4 a cell could not be set up, 5 a harness fault left checks
# undecided, 130 interrupted.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/tools.sh
ensure_offline_build_tools
scripts/docker-up.sh
image_map="${SIDECAR_E2E_IMAGE_MAP:-$PWD/target/sidecar-e2e/images.yaml}"
if [ $# -eq 0 ]; then
  set -- --k8s 1.32 --gate on,off --injector builtin
fi
# Build the minors the run names (--k8s 1.28,1.37 or all), each cached on its own key.
# Istio's images too when the run names an Istio injector (--injector istio@1.31).
minors=""
injectors=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --k8s) minors="${args[$((i + 1))]:-}" ;;
    --k8s=*) minors="${args[$i]#--k8s=}" ;;
    --injector) injectors="${args[$((i + 1))]:-}" ;;
    --injector=*) injectors="${args[$i]#--injector=}" ;;
  esac
done
cargo run --locked --quiet -p sidecar-e2e -- images build --k8s "${minors:-1.32}" \
  --injector "${injectors:-builtin}" --output "$image_map"
export SIDECAR_E2E_IMAGE_MAP="$image_map"
exec cargo run --locked --quiet -p sidecar-e2e -- run "$@"
