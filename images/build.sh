#!/usr/bin/env bash
# Builds the offline images for one or more Kubernetes minors (images/build-minor.sh each), with
# only package registries reachable. A minor that fails is named with its step and log; the
# others still build; the exit status is non-zero at the end if any failed.
#
# Usage: images/build.sh --k8s 1.28,1.32,1.37 --pins DIR [--istio 1.31] [--images-out FILE]
# Run by `sidecar-e2e images build` (and `run --build-images`), which writes the pins: one
# <minor>.env per minor in DIR, from core/data/minors.yaml (the one list of minors and their
# versions; this script decides none).
#   --pins DIR          the minors' pins, DIR/<minor>.env
#   --istio 1.31        also Istio (images/build-istio.sh, images/versions/istio-1.31.env), after
#                       the minors: it stands on their tool rootfs and Envoy
#   --images-out FILE   what was built, one per line (read by `sidecar-e2e images build`):
#                       `node <minor> <image>`, `workload <role> <image>`,
#                       `tool <name> <version> <path>` (kubectl: the newest minor built),
#                       `istio <1.minor> <hub> <tag>`, and `failed <minor> <step> <log>` or
#                       `failed istio@<1.minor> <step> <log>` for each that did not build
# Output of each minor's build goes to stderr as it runs. Steps shared by minors (kind, the
# root filesystems, the workload images) are built once and then reported as cached.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source images/lib.sh

minors_arg=""
istio_arg=""
images_out=""
pins_dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --k8s) minors_arg="${2:-}"; shift 2 ;;
    --k8s=*) minors_arg="${1#--k8s=}"; shift ;;
    --istio) istio_arg="${2:-}"; shift 2 ;;
    --istio=*) istio_arg="${1#--istio=}"; shift ;;
    --images-out) images_out="${2:-}"; shift 2 ;;
    --images-out=*) images_out="${1#--images-out=}"; shift ;;
    --pins) pins_dir="${2:-}"; shift 2 ;;
    --pins=*) pins_dir="${1#--pins=}"; shift ;;
    -h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (try --help)" ;;
  esac
done
[ -n "$minors_arg" ] || die "--k8s is required, e.g. --k8s 1.32 or --k8s 1.28,1.37"
[ -n "$pins_dir" ] || die "--pins is required: run \`sidecar-e2e images build\`, which writes them from core/data/minors.yaml"

minors=$(tr ',' '\n' <<<"$minors_arg" | sort -t. -k2,2n -u)
for minor in $minors; do
  [ -f "$pins_dir/$minor.env" ] || die "no pins for Kubernetes $minor in $pins_dir"
done

istios=$(tr ',' '\n' <<<"$istio_arg" | sed 's/^istio@//' | sort -t. -k2,2n -u)
for istio in $istios; do
  [ -f "images/versions/istio-$istio.env" ] ||
    die "no offline build is defined for Istio $istio (defined: $(cd images/versions && echo $(ls istio-*.env 2>/dev/null | sed 's/^istio-//; s/\.env$//'))); add images/versions/istio-$istio.env"
done

count=$(wc -w <<<"$minors")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=()
# Builds one part (a minor, or an Istio) and goes on when it fails: its steps keep their own logs
# under $LOGS/<log dir>, and the failing step leaves its name behind for the `failed` line.
#   build_part <id in the failed line> <log dir> <name in the summary> <command...>
build_part() {
  local id=$1 log_dir=$2 name=$3 status=0 step_name
  shift 3
  rm -f "$CACHE/.failed-step"
  "$@" || status=$?
  if [ "$status" != 0 ]; then
    step_name=$(cat "$CACHE/.failed-step" 2>/dev/null || echo unknown)
    echo "failed $id $step_name $LOGS/$log_dir/$step_name.log" >>"$work/failed.out"
    failed+=("$name ($step_name)")
  fi
}

index=0
for minor in $minors; do
  index=$((index + 1))
  echo "=== Kubernetes $minor ($index of $count)" >&2
  build_part "$minor" "$minor" "$minor" \
    images/build-minor.sh --k8s "$minor" --pins "$pins_dir/$minor.env" --images-out "$work/$minor.out"
done

for istio in $istios; do
  echo "=== Istio $istio" >&2
  build_part "istio@$istio" istio "Istio $istio" \
    images/build-istio.sh --istio "$istio" --images-out "$work/istio-$istio.out"
done

if [ -n "$images_out" ]; then
  # Workload and tool lines come once; the last minor's kubectl (the newest built) wins.
  cat "$work"/*.out 2>/dev/null | awk '!seen[$0]++' >"$images_out"
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "error: ${#failed[@]} of $((count + $(wc -w <<<"$istios"))) builds failed: ${failed[*]}; each failed step's log is named above" >&2
  exit 1
fi
echo "built $count minor(s): $(echo $minors)" >&2
