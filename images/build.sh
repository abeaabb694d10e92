#!/usr/bin/env bash
# Builds the offline images for one or more Kubernetes minors (images/build-minor.sh each), with
# only package registries reachable. A minor that fails is named with its step and log; the
# others still build; the exit status is non-zero at the end if any failed.
#
# Usage: images/build.sh --k8s 1.28,1.32,1.37 --pins DIR [--istio 1.31] [--otel 0.153] [--images-out FILE]
# Run by `sidecar-e2e images build` (and `run --build-images`), which writes the pins: one
# <minor>.env per minor in DIR, from core/data/minors.yaml (the one list of minors and their
# versions; this script decides none).
#   --pins DIR          the minors' pins, DIR/<minor>.env
#   --istio 1.31        also Istio (images/build-istio.sh, images/versions/istio-1.31.env), after
#                       the minors: it stands on their tool rootfs and Envoy
#   --otel 0.153        also the OpenTelemetry Operator and its collector (images/build-otel.sh,
#                       images/versions/otel-0.153.env), after the minors: the newest minor's
#                       kubectl renders its install manifest
#   --images-out FILE   what was built, one per line (read by `sidecar-e2e images build`):
#                       `node <minor> <image>`, `workload <role> <image>`,
#                       `tool <name> <version> <path>` (kubectl: the newest minor built),
#                       `istio <1.minor> <hub> <tag>`,
#                       `otel <minor> <operator image> <collector image> <install.yaml>`,
#                       `node-with <injector>@<version> <minor> <image>` (the minor's node image
#                       with that injector's images inside: images/build-node-layer.sh), and
#                       `failed <minor> <step> <log>`, `failed istio@<1.minor> <step> <log>` or
#                       `failed otel@<minor> <step> <log>` for each that did not build
# Output of each minor's build goes to stderr as it runs. Steps shared by minors (kind, the
# root filesystems, the workload images) are built once and then reported as cached.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source images/lib.sh

minors_arg=""
istio_arg=""
otel_arg=""
images_out=""
pins_dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --k8s) minors_arg="${2:-}"; shift 2 ;;
    --k8s=*) minors_arg="${1#--k8s=}"; shift ;;
    --istio) istio_arg="${2:-}"; shift 2 ;;
    --istio=*) istio_arg="${1#--istio=}"; shift ;;
    --otel) otel_arg="${2:-}"; shift 2 ;;
    --otel=*) otel_arg="${1#--otel=}"; shift ;;
    --images-out) images_out="${2:-}"; shift 2 ;;
    --images-out=*) images_out="${1#--images-out=}"; shift ;;
    --pins) pins_dir="${2:-}"; shift 2 ;;
    --pins=*) pins_dir="${1#--pins=}"; shift ;;
    -h | --help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
    die "no offline build is defined for Istio $istio (defined: $(defined_versions istio)); add images/versions/istio-$istio.env"
done

otels=$(tr ',' '\n' <<<"$otel_arg" | sed 's/^otel@//' | sort -t. -k2,2n -u)
for otel in $otels; do
  [ -f "images/versions/otel-$otel.env" ] ||
    die "no offline build is defined for the OpenTelemetry Operator $otel (defined: $(defined_versions otel)); add images/versions/otel-$otel.env"
done

count=$(wc -w <<<"$minors")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=()
# Builds one part (a minor, an Istio, an OpenTelemetry Operator) and goes on when it fails: its
# steps keep their own logs under $LOGS/<log dir>, and the failing step leaves its name behind for the `failed` line.
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

# The install manifest renders with the newest minor's kubectl built here (its output's last
# `tool kubectl` line); with none (every minor failed), build-otel.sh takes the newest in the cache.
otel_kubectl=()
kubectl_built=$(cat "$work"/*.out 2>/dev/null | awk '$1 == "tool" && $2 == "kubectl" { path = $4 } END { print path }' || true)
[ -n "$kubectl_built" ] && otel_kubectl=(--kubectl "$kubectl_built")
for otel in $otels; do
  echo "=== OpenTelemetry Operator $otel" >&2
  build_part "otel@$otel" otel "OpenTelemetry Operator $otel" \
    images/build-otel.sh --otel "$otel" "${otel_kubectl[@]}" --images-out "$work/otel-$otel.out"
done

# Each injector's images as one more layer on each minor's node image, so its cells load nothing
# (images/build-node-layer.sh): for every minor and injector that built.
# node_with <injector id> <tag name> <image...>
node_with() {
  local injector=$1 name=$2 minor node version
  shift 2
  for minor in $minors; do
    node=$(awk '$1 == "node" { print $3 }' "$work/$minor.out" 2>/dev/null || true)
    [ -n "$node" ] || continue
    version=${node##*:}
    echo "=== $injector's images on the Kubernetes $minor node" >&2
    build_part "$injector" "$minor" "$injector on $minor" \
      images/build-node-layer.sh --k8s "$minor" --injector "$injector" --base "$node" \
      --target "$REG_LOCAL/kind-node-$name:$version" --images-out "$work/node-with-$name-$minor.out" "$@"
  done
}
REG_LOCAL=sidecar-e2e.local
for istio in $istios; do
  read -r hub tag < <(awk '$1 == "istio" { print $3, $4 }' "$work/istio-$istio.out" 2>/dev/null || true) || continue
  node_with "istio@$istio" "istio-$istio" "$hub/pilot:$tag" "$hub/proxyv2:$tag"
done
for otel in $otels; do
  read -r operator collector < <(awk '$1 == "otel" { print $3, $4 }' "$work/otel-$otel.out" 2>/dev/null || true) || continue
  node_with "otel@$otel" "otel-$otel" "$operator" "$collector"
done
if [ -n "$images_out" ]; then
  # Workload and tool lines come once; the last minor's kubectl (the newest built) wins.
  cat "$work"/*.out 2>/dev/null | awk '!seen[$0]++' >"$images_out"
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "error: ${#failed[@]} build(s) failed: ${failed[*]}; each failed step's log is named above" >&2
  exit 1
fi
echo "built $count minor(s): $(paste -sd' ' <<<"$minors")" >&2
