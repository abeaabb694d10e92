#!/usr/bin/env bash
# Puts an injector's images into a minor's node image, as one more thin layer, so a cell of that
# injector on that minor loads nothing (docs/offline-images.md):
#
#   <base>  (kind-node-cell:<kubernetes version>: the node, the workloads, this repository's injector)
#   + the injector's images        -> <target>  (kind-node-<name>-<version>:<kubernetes version>)
#
# Usage: images/build-node-layer.sh --k8s 1.32 --injector istio@1.31 --base IMAGE --target IMAGE
#                                   [--images-out FILE] IMAGE...
#   --k8s 1.32              the minor the base image is of (for the images-out line)
#   --injector NAME@VERSION the injector whose images these are (`istio@1.31`, `otel@0.153`)
#   --images-out FILE       what was built: `node-with <injector> <minor> <target>`
# Called by images/build.sh after a minor and an injector both built. Cached by a key over the
# image IDs of the base and of every image: a second run with the same images rebuilds nothing;
# a new base (the injector of this repository rebuilt) or a new injector image makes a new layer.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source images/lib.sh

k8s_minor=""
injector=""
base=""
target=""
images_out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --k8s) k8s_minor="${2:-}"; shift 2 ;;
    --injector) injector="${2:-}"; shift 2 ;;
    --base) base="${2:-}"; shift 2 ;;
    --target) target="${2:-}"; shift 2 ;;
    --images-out) images_out="${2:-}"; shift 2 ;;
    -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --*) die "unknown argument '$1' (try --help)" ;;
    *) break ;;
  esac
done
[ -n "$k8s_minor" ] || die "--k8s is required, e.g. --k8s 1.32"
[[ "$injector" =~ ^[a-z][a-z0-9-]*@[0-9]+\.[0-9]+$ ]] || die "--injector takes NAME@VERSION such as istio@1.31, not '$injector'"
[ -n "$base" ] || die "--base is required: the minor's node image (kind-node-cell:<version>)"
[ -n "$target" ] || die "--target is required: the image to build"
[ $# -gt 0 ] || die "name at least one image to put into the node"
require_docker
for image in "$base" "$@"; do
  docker image inspect "$image" >/dev/null 2>&1 || die "$image is not a local image: build it first (images/build.sh)"
done

LOGS="$LOGS/$k8s_minor"
mkdir -p "$LOGS"
LAYER_IMAGES=("$@")
layer_key() {
  cache_key "$(image_ids "$base" "${LAYER_IMAGES[@]}")" "$(declare -f node_layer)" images/node/import-images.sh
}
layer_fresh() { image_is_fresh "$target" "$(layer_key)"; }
build_layer() { node_layer "$base" "$target" "$(layer_key)" "${LAYER_IMAGES[@]}"; }

STEP_TOTAL=1
step "node-image-with-$injector" layer_fresh -- build_layer
if [ -n "$images_out" ]; then
  echo "node-with $injector $k8s_minor $target" >"$images_out"
fi
