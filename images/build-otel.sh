#!/usr/bin/env bash
# Builds the OpenTelemetry Operator, the collector it injects and its install manifest offline,
# from the Go module proxy only:
#
#   manager               (github.com/open-telemetry/opentelemetry-operator, via images/go/otel-operator-<v>)
#                                                  -> $CACHE/bin/otel-operator-<v>/manager
#   otelcol-sidecar-e2e   (builder output images/go/otelcol-<v>: OTLP receiver, debug exporter,
#                          health_check)           -> $CACHE/bin/otelcol-<v>/otelcol-sidecar-e2e
#   <hub>/operator:<tag>  the manager on an empty image, uid 65532 (as upstream's image)
#   <hub>/otelcol:<tag>   the collector on an empty image, uid 10001 (as upstream's core image)
#   install.yaml          the operator module's config/ through images/otel/ (no cert-manager;
#                         __CA_BUNDLE__ placeholders) -> $CACHE/bin/otel-<v>/install.yaml
#
# Usage: images/build-otel.sh [--otel 0.153] [--kubectl PATH] [--images-out FILE]
#   --otel 0.153        the operator minor (default 0.153), pinned in images/versions/otel-<minor>.env
#   --kubectl PATH      the kubectl whose built-in kustomize renders the install (default: the
#                       newest a Kubernetes minor built under $CACHE/bin; images/build.sh passes its own)
#   --images-out FILE   what was built: `otel <minor> <operator image> <collector image> <install.yaml>`
# Each step is cached by a key over its inputs. The Go builds are about 1,000 + 500 packages: run
# with nice, several minutes cold on 2 cores.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source images/lib.sh

otel=0.153
kubectl=""
images_out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --otel) otel="${2:-}"; shift 2 ;;
    --otel=*) otel="${1#--otel=}"; shift ;;
    --kubectl) kubectl="${2:-}"; shift 2 ;;
    --kubectl=*) kubectl="${1#--kubectl=}"; shift ;;
    --images-out) images_out="${2:-}"; shift 2 ;;
    --images-out=*) images_out="${1#--images-out=}"; shift ;;
    -h | --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (try --help)" ;;
  esac
done
LOGS="$LOGS/otel"
mkdir -p "$LOGS"
otel="${otel#otel@}"
[ -f "images/versions/otel-$otel.env" ] ||
  die "no offline build is defined for the OpenTelemetry Operator $otel (defined: $(defined_versions otel)); add images/versions/otel-$otel.env"
source images/versions/common.env
# shellcheck source=images/versions/otel-0.153.env
source "images/versions/otel-$otel.env"
for dir in "$OTEL_OPERATOR_MODULE_DIR" "$OTELCOL_MODULE_DIR"; do
  [ -f "$dir/go.mod" ] || die "$dir/go.mod is missing: generate it (images/go/gen-wrapper.sh otel-operator $OTEL_OPERATOR_VERSION; images/go/gen-otelcol.sh v$OTELCOL_VERSION)"
done

for tool in go docker jq; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is needed (go: the Go toolchain; docker: run scripts/docker-up.sh; jq: apt-get install jq)"
done
require_docker

export CGO_ENABLED=0 GOFLAGS="$GO_BUILD_FLAGS -mod=readonly"
GO_VERSION=$(go env GOVERSION)
BIN="$CACHE/bin"
OPERATOR_MODULE=github.com/open-telemetry/opentelemetry-operator

# kubectl embeds kustomize: the install needs no tool of its own, only a minor built first.
if [ -z "$kubectl" ]; then
  kubectl=$(for k in "$BIN"/kubernetes-v*/kubectl; do if [ -x "$k" ]; then echo "$k"; fi; done | sort -V | tail -n 1)
  [ -n "$kubectl" ] ||
    die "no kubectl under $BIN/kubernetes-*/: build a Kubernetes minor first (images/build.sh --k8s 1.32 --otel $otel builds both), or pass --kubectl"
fi
[ -x "$kubectl" ] || die "--kubectl $kubectl is not an executable"
# "Kustomize Version: v5.5.0": the renderer, part of the install's cache key.
KUSTOMIZE_VERSION=$("$kubectl" version --client 2>/dev/null | sed -n 's/^Kustomize Version: //p' || true)
[ -n "$KUSTOMIZE_VERSION" ] || die "$kubectl reports no Kustomize Version (kubectl version --client); pass a kubectl 1.14 or newer"

# --- Go binaries --------------------------------------------------------------------------

OPERATOR_DIR="$BIN/otel-operator-$OTEL_OPERATOR_VERSION"
KEY_OPERATOR=$(cache_key "$GO_VERSION" "$OTEL_OPERATOR_VERSION" "$OTELCOL_VERSION" \
  "$(module_requirements "$OTEL_OPERATOR_MODULE_DIR")" "$OTEL_OPERATOR_MODULE_DIR/go.sum")
build_operator() {
  # Checked here, not at the start: a build whose steps are all cached needs no space.
  require_free_space 4 "$(go env GOCACHE)"
  local src v=${OTEL_OPERATOR_VERSION#v} paired p=$OPERATOR_MODULE/internal/version ldflags
  # The collector the release was made with must be the one pinned: its defaulting webhook writes
  # configuration shaped for that collector.
  src=$(go mod download -json "$OPERATOR_MODULE@$OTEL_OPERATOR_VERSION" | jq -r '.Dir // error(.Error)')
  paired=$(sed -n 's/^opentelemetry-collector=//p' "$src/versions.txt")
  if [ "$paired" != "$OTELCOL_VERSION" ]; then
    echo "$OPERATOR_MODULE $OTEL_OPERATOR_VERSION pairs with collector $paired (its versions.txt), images/versions/otel-$otel.env pins $OTELCOL_VERSION: generate images/go/otelcol-v$paired and pin it" >>"$STEP_LOG"
    return 1
  fi
  # As upstream's Makefile (OPERATOR_LDFLAGS) for what the operator reports and defaults to: otelCol
  # is also the tag of its default collector image, though the install passes --collector-image.
  ldflags="-s -w -X $p.version=$v -X $p.otelCol=$OTELCOL_VERSION -X $p.targetAllocator=$v -X $p.operatorOpAMPBridge=$v"
  mkdir -p "$OPERATOR_DIR"
  # nice: two cores, and whoever else is on the machine keeps working.
  (cd "$OTEL_OPERATOR_MODULE_DIR" && run nice -n 10 go build -ldflags "$ldflags" -o "$OPERATOR_DIR/manager" "$OPERATOR_MODULE")
  # The build settings (module version, -trimpath, CGO_ENABLED) into the log; -trimpath leaves the
  # -ldflags out of them. (Not `manager --help`: it panics with
  # "pflag: help requested", status 2, after printing the flags.)
  run go version -m "$OPERATOR_DIR/manager"
  stamp_dir "$OPERATOR_DIR" "$KEY_OPERATOR"
}

COLLECTOR_DIR="$BIN/otelcol-$OTELCOL_VERSION"
COLLECTOR_BIN="$COLLECTOR_DIR/otelcol-sidecar-e2e"
KEY_COLLECTOR=$(cache_key "$GO_VERSION" "$OTELCOL_VERSION" "$(module_requirements "$OTELCOL_MODULE_DIR")" \
  "$OTELCOL_MODULE_DIR/go.sum" "$OTELCOL_MODULE_DIR"/*.go)
build_collector() {
  require_free_space 3 "$(go env GOCACHE)"
  mkdir -p "$COLLECTOR_DIR"
  (cd "$OTELCOL_MODULE_DIR" && run nice -n 10 go build -ldflags "-s -w" -o "$COLLECTOR_BIN" .)
  run "$COLLECTOR_BIN" components
  stamp_dir "$COLLECTOR_DIR" "$KEY_COLLECTOR"
}

# --- Docker images ------------------------------------------------------------------------

OPERATOR_IMAGE="$OTEL_HUB/operator:$OTEL_OPERATOR_TAG"
KEY_OPERATOR_IMAGE=$(cache_key "$KEY_OPERATOR" images/dockerfiles/static-binary.Dockerfile)
build_operator_image() {
  static_image "$OPERATOR_IMAGE" "$KEY_OPERATOR_IMAGE" "$OPERATOR_DIR/manager" manager 65532
}

COLLECTOR_IMAGE="$OTEL_HUB/otelcol:$OTELCOL_TAG"
KEY_COLLECTOR_IMAGE=$(cache_key "$KEY_COLLECTOR" images/dockerfiles/static-binary.Dockerfile)
build_collector_image() {
  # The operator starts the sidecar through the image's entrypoint with only arguments
  # (--config=env:OTEL_CONFIG): the entrypoint must be the collector.
  static_image "$COLLECTOR_IMAGE" "$KEY_COLLECTOR_IMAGE" "$COLLECTOR_BIN" otelcol-sidecar-e2e 10001
}

# --- the install manifest -----------------------------------------------------------------

INSTALL_DIR="$BIN/otel-$OTEL_OPERATOR_VERSION"
INSTALL_YAML="$INSTALL_DIR/install.yaml"
KEY_INSTALL=$(cache_key "$OTEL_OPERATOR_VERSION" "$OPERATOR_IMAGE" "$COLLECTOR_IMAGE" "$KUSTOMIZE_VERSION" images/otel/*.yaml)
build_install() {
  local src work placeholders clients
  # The release's own manifests, read in place from the module cache (the binary's source too).
  src=$(go mod download -json "$OPERATOR_MODULE@$OTEL_OPERATOR_VERSION" | jq -r '.Dir // error(.Error)')
  work=$(mktemp -d)
  # EXIT, not RETURN: step runs this in a subshell, which a failing command ends (set -e) without
  # returning.
  # shellcheck disable=SC2064 # $work is known now; the trap removes this one
  trap "rm -rf '$work'" EXIT
  cp images/otel/*.yaml "$work/"
  sed -i "s|@OPERATOR_IMAGE@|$OPERATOR_IMAGE|g; s|@COLLECTOR_IMAGE@|$COLLECTOR_IMAGE|g" "$work"/*.yaml
  ln -s "$src/config" "$work/config"
  mkdir -p "$INSTALL_DIR"
  # LoadRestrictionsNone: the overlay reads config/default's patch through the symlink, which
  # kustomize's default restrictor refuses as a file outside the overlay's directory.
  run "$kubectl" kustomize --load-restrictor=LoadRestrictionsNone "$work" -o "$INSTALL_YAML.tmp"
  # Every clientConfig (webhooks, the CRD conversion) must have its placeholder: the overlay
  # names webhooks by index, and an upstream release that adds one would leave it unsigned.
  placeholders=$(grep -c 'caBundle: __CA_BUNDLE__' "$INSTALL_YAML.tmp" || true)
  clients=$(grep -c 'clientConfig:' "$INSTALL_YAML.tmp" || true)
  if [ "$placeholders" != "$clients" ]; then
    echo "install.yaml has $clients clientConfigs but $placeholders __CA_BUNDLE__ placeholders: add one caBundle op per webhook in images/otel/kustomization.yaml" >>"$STEP_LOG"
    return 1
  fi
  mv "$INSTALL_YAML.tmp" "$INSTALL_YAML"
  stamp_dir "$INSTALL_DIR" "$KEY_INSTALL"
}

# --- the plan ----------------------------------------------------------------------------

STEP_TOTAL=5
echo "building the OpenTelemetry Operator $OTEL_OPERATOR_VERSION and collector $OTELCOL_VERSION as $OPERATOR_IMAGE, $COLLECTOR_IMAGE (cache: $CACHE)" >&2
step otel-operator dir_is_fresh "$OPERATOR_DIR" "$KEY_OPERATOR" -- build_operator
step otel-collector dir_is_fresh "$COLLECTOR_DIR" "$KEY_COLLECTOR" -- build_collector
step otel-operator-image image_is_fresh "$OPERATOR_IMAGE" "$KEY_OPERATOR_IMAGE" -- build_operator_image
step otel-collector-image image_is_fresh "$COLLECTOR_IMAGE" "$KEY_COLLECTOR_IMAGE" -- build_collector_image
step otel-install dir_is_fresh "$INSTALL_DIR" "$KEY_INSTALL" -- build_install

if [ -n "$images_out" ]; then
  echo "otel $otel $OPERATOR_IMAGE $COLLECTOR_IMAGE $INSTALL_YAML" >"$images_out"
fi
echo "done in $(elapsed_since "$BUILD_STARTED"): $OPERATOR_IMAGE, $COLLECTOR_IMAGE, $INSTALL_YAML" >&2
