#!/usr/bin/env bash
# Proves the offline Istio build live on a kind cluster of its own, and keeps the evidence:
# istiod installed with the harness's settings, a namespace injected, httpbin behind it, a Job
# through the proxy beside a real `kubectl get pods -w`, a long-running client whose Envoy is
# asked for its xDS counters and config, istiod's rejects and NACKs.
#
# Usage: scripts/istio-smoke.sh [--name istio-dev-smoke] [--k8s 1.32] [--mode native|legacy]
#                               [--istio 1.31] [--out DIR] [--keep] [--stock-settings]
#   --name    the kind cluster (created here, deleted at the end unless --keep; an existing
#             cluster of that name is refused, never reused or deleted)
#   --mode    native (ENABLE_NATIVE_SIDECARS=true, gate on) or legacy (false)
#   --out     where the evidence goes (default: target/istio-smoke/<name>)
#   --stock-settings  the negative control: install without the three settings upstream Envoy
#             needs (metadata exchange, ALPN filter, telemetry), run one client pod and keep
#             istiod's NACKs, the rejected counters and the pod's readiness
# Needs the offline images: images/build.sh --k8s 1.32 --istio 1.31 (or `sidecar-e2e images
# build --k8s 1.32 --injector istio@1.31`). Prints the evidence's summary at the end.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source images/lib.sh

name=istio-dev-smoke
k8s=1.32
mode=native
istio=1.31
out=""
keep=false
stock=false
while [ $# -gt 0 ]; do
  case "$1" in
    --name) name="$2"; shift 2 ;;
    --k8s) k8s="$2"; shift 2 ;;
    --mode) mode="$2"; shift 2 ;;
    --istio) istio="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --keep) keep=true; shift ;;
    --stock-settings) stock=true; shift ;;
    -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (try --help)" ;;
  esac
done
case "$mode" in native) native=true ;; legacy) native=false ;; *) die "--mode is native or legacy, not '$mode'" ;; esac
out="${out:-target/istio-smoke/$name}"
mkdir -p "$out"
out=$(cd "$out" && pwd)

source images/versions/common.env
source "images/versions/$k8s.env"
source "images/versions/istio-$istio.env"
KIND="$CACHE/bin/kind-$KIND_VERSION/kind"
KUBECTL="$CACHE/bin/kubernetes-$KUBERNETES_VERSION/kubectl"
ISTIOCTL="$CACHE/bin/istio-$ISTIO_MODULE_VERSION/istioctl"
REG=sidecar-e2e.local
IMAGES=("$ISTIO_HUB/pilot:$ISTIO_TAG" "$ISTIO_HUB/proxyv2:$ISTIO_TAG" "$REG/curl:$DEBIAN_SUITE" "$REG/go-httpbin:$HTTPBIN_VERSION")
for bin in "$KIND" "$KUBECTL" "$ISTIOCTL"; do
  [ -x "$bin" ] || die "$bin is missing: images/build.sh --k8s $k8s --istio $istio builds it"
done
for image in "${IMAGES[@]}" "$REG/kind-node:$KUBERNETES_VERSION"; do
  docker image inspect "$image" >/dev/null 2>&1 || die "image $image is missing: images/build.sh --k8s $k8s --istio $istio builds it"
done
"$KIND" get clusters 2>/dev/null | grep -qxF "$name" && die "a kind cluster named $name exists already; pick another --name"

export KUBECONFIG="$out/kubeconfig"
k() { "$KUBECTL" "$@"; }
t0=$(date +%s)
stamp() { echo "[$(elapsed_since "$t0")] $*" >&2; }
cleanup() {
  [ -n "${watch_pid:-}" ] && kill "$watch_pid" 2>/dev/null || true
  if [ "$keep" = true ]; then
    echo "kept: KUBECONFIG=$KUBECONFIG; remove: $KIND delete cluster --name $name" >&2
  else
    "$KIND" delete cluster --name "$name" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

# --- cluster and images ---------------------------------------------------------------------
gate=""
[ "$mode" = native ] && [ "${k8s#1.}" -lt 33 ] && gate=$'featureGates:\n  SidecarContainers: true'
cat >"$out/kind-config.yaml" <<EOF
kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
$gate
nodes:
- role: control-plane
  image: $REG/kind-node:$KUBERNETES_VERSION
EOF
stamp "kind create cluster $name ($KUBERNETES_VERSION, $mode)"
"$KIND" create cluster --name "$name" --config "$out/kind-config.yaml" --kubeconfig "$KUBECONFIG" --wait 120s >"$out/kind-create.log" 2>&1 ||
  { cat "$out/kind-create.log" >&2; die "kind create failed"; }
stamp "kind load image-archive: ${IMAGES[*]}"
archive="$out/images.tar"
docker save -o "$archive" "${IMAGES[@]}"
"$KIND" load image-archive --name "$name" "$archive"
rm -f "$archive"

# --- Istio ---------------------------------------------------------------------------------
# The settings the harness's `--injector istio` install passes (harness/src/install/istio.rs).
upstream_envoy=(
  values.pilot.env.PILOT_ENABLE_METADATA_EXCHANGE=false
  values.pilot.env.PILOT_ENABLE_ALPN_FILTER=false
  values.telemetry.enabled=false
)
[ "$stock" = true ] && upstream_envoy=()
sets=(
  profile=minimal "hub=$ISTIO_HUB" "tag=$ISTIO_TAG"
  values.global.imagePullPolicy=IfNotPresent
  "values.pilot.env.ENABLE_NATIVE_SIDECARS=$native"
  "${upstream_envoy[@]}"
  values.pilot.resources.requests.cpu=50m values.pilot.resources.requests.memory=256Mi
  values.global.proxy.resources.requests.cpu=10m values.global.proxy.resources.requests.memory=64Mi
  meshConfig.accessLogFile=/dev/stdout
)
args=(install -y)
for s in "${sets[@]}"; do args+=(--set "$s"); done
stamp "istioctl ${args[*]}"
i0=$(date +%s)
"$ISTIOCTL" "${args[@]}" 2>&1 | tee "$out/istioctl-install.log"
install_s=$(($(date +%s) - i0))
stamp "istioctl install took ${install_s}s"
echo "$install_s" >"$out/install-seconds"
k -n istio-system get pods -o wide >"$out/istio-system-pods.txt"

# --- workloads -----------------------------------------------------------------------------
ns=smoke
k create namespace "$ns" >/dev/null
k label namespace "$ns" istio-injection=enabled >/dev/null
sed "s|\${HTTPBIN_IMAGE}|$REG/go-httpbin:$HTTPBIN_VERSION|" harness/src/scenario/httpbin.yaml | k -n "$ns" apply -f - >/dev/null
k -n "$ns" rollout status deploy/httpbin --timeout=120s >/dev/null
stamp "httpbin ready"

if [ "$stock" = true ]; then
  # The negative control: one client, given time for several xDS pushes, then the evidence.
  cat <<EOF | k -n "$ns" apply -f - >/dev/null
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  containers:
  - name: app
    image: $REG/curl:$DEBIAN_SUITE
    command: ["sleep", "infinity"]
EOF
  stamp "client created; waiting 60 s (stock settings: its readiness should never pass)"
  sleep 60
  k -n "$ns" get pod client -o wide >"$out/client-pod.txt"
  k -n "$ns" exec client -c istio-proxy -- pilot-agent request GET stats >"$out/client-envoy-stats.txt" || true
  k -n "$ns" logs client -c istio-proxy >"$out/client-istio-proxy.log" 2>&1 || true
  k -n istio-system exec deploy/istiod -- curl -sS localhost:15014/metrics >"$out/istiod-metrics.txt"
  k -n istio-system logs deploy/istiod >"$out/istiod.log"
  {
    echo "== $name: Kubernetes $KUBERNETES_VERSION, Istio $ISTIO_TAG, $mode, STOCK settings (negative control)"
    echo "-- client pod"; cat "$out/client-pod.txt"
    echo "-- client Envoy: xDS counters"
    grep -E '^(listener_manager\.lds|cluster_manager\.cds)\.(update_success|update_rejected)' "$out/client-envoy-stats.txt" || true
    echo "-- istiod rejects"; grep -E '^pilot_total_xds_rejects' "$out/istiod-metrics.txt" || echo "(no series)"
    echo "-- istiod NACK lines (first 4 of $(grep -ciE 'nack|ack error' "$out/istiod.log"))"
    grep -iE 'nack|ack error' "$out/istiod.log" | head -4 | cut -c1-400
    echo "-- pilot-agent readiness"; grep -iE 'rejected|not ready' "$out/client-istio-proxy.log" | tail -2 | cut -c1-300
  } | tee "$out/summary.txt"
  stamp "done; evidence in $out"
  exit 0
fi

# The blog's watch: a Job whose app calls httpbin through the proxy, sleeps 1 s and exits.
k -n "$ns" get pods -w -l job-name=smoke-job >"$out/job-watch.txt" 2>&1 &
watch_pid=$!
sleep 1
cat <<EOF | k -n "$ns" apply -f - >/dev/null
apiVersion: batch/v1
kind: Job
metadata: {name: smoke-job}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: app
        image: $REG/curl:$DEBIAN_SUITE
        command: ["/bin/sh", "-c"]
        args:
        - |
          code=\$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 http://httpbin.$ns.svc.cluster.local:8000/get); rc=\$?
          echo "smoke step=request curl_exit=\$rc http_status=\$code"
          sleep 1
EOF
stamp "job created; waiting for it ($mode)"
if [ "$mode" = native ]; then
  k -n "$ns" wait --for=condition=complete job/smoke-job --timeout=180s >/dev/null || echo "job did not complete" >&2
  sleep 8 # the watch's last rows (the proxy stopping) come a few seconds after completion
else
  # Legacy: the app exits, the proxy keeps the pod Running (the classic failure).
  sleep 30
fi
kill "$watch_pid" 2>/dev/null || true
watch_pid=""
job_pod=$(k -n "$ns" get pods -l job-name=smoke-job -o jsonpath='{.items[0].metadata.name}')
k -n "$ns" get pod "$job_pod" -o yaml >"$out/job-pod.yaml"
k -n "$ns" logs "$job_pod" -c app >"$out/job-app.log" 2>&1 || true
k -n "$ns" logs "$job_pod" -c istio-proxy >"$out/job-istio-proxy.log" 2>&1 || true
k -n "$ns" logs "$job_pod" -c istio-init >"$out/job-istio-init.log" 2>&1 || true

# A client that stays up, to ask its Envoy what it accepted.
cat <<EOF | k -n "$ns" apply -f - >/dev/null
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  containers:
  - name: app
    image: $REG/curl:$DEBIAN_SUITE
    command: ["/bin/sh", "-c", "while true; do curl -sS -o /dev/null -w '%{http_code}\\\\n' http://httpbin.$ns.svc.cluster.local:8000/get; sleep 5; done"]
EOF
k -n "$ns" wait --for=condition=ready pod/client --timeout=180s >/dev/null
sleep 6
k -n "$ns" get pod client -o yaml >"$out/client-pod.yaml"
k -n "$ns" exec client -c istio-proxy -- pilot-agent request GET stats >"$out/client-envoy-stats.txt"
k -n "$ns" exec client -c istio-proxy -- pilot-agent request GET config_dump >"$out/client-config-dump.json"
k -n "$ns" exec client -c istio-proxy -- pilot-agent request GET server_info >"$out/client-server-info.json"
k -n "$ns" logs client -c istio-proxy >"$out/client-istio-proxy.log"
k -n istio-system exec deploy/istiod -- curl -sS localhost:15014/metrics >"$out/istiod-metrics.txt"
k -n istio-system logs deploy/istiod >"$out/istiod.log"
"$ISTIOCTL" proxy-status >"$out/proxy-status.txt" 2>&1 || true

# --- summary -------------------------------------------------------------------------------
{
  echo "== $name: Kubernetes $KUBERNETES_VERSION, Istio $ISTIO_TAG ($ISTIO_MODULE_VERSION), $mode"
  echo "istioctl install: ${install_s}s"
  echo "-- istio-system"; cat "$out/istio-system-pods.txt"
  echo "-- job pod layout (init containers / containers)"
  k -n "$ns" get pod "$job_pod" -o jsonpath='{range .spec.initContainers[*]}{.name}{" restartPolicy="}{.restartPolicy}{" image="}{.image}{"\n"}{end}{range .spec.containers[*]}{.name}{" image="}{.image}{"\n"}{end}'
  echo "-- kubectl get pods -w (job)"; cat "$out/job-watch.txt"
  echo "-- job app"; cat "$out/job-app.log"
  echo "-- job access log (istio-proxy)"; grep -E '^\[' "$out/job-istio-proxy.log" || echo "(none)"
  echo "-- client Envoy: xDS counters"
  grep -E '^(listener_manager\.lds|cluster_manager\.cds)\.(update_success|update_rejected|update_attempt)|^server\.state|^listener_manager\.workers_started' "$out/client-envoy-stats.txt"
  echo "-- client Envoy version"; jq -r '.version' "$out/client-server-info.json"
  echo "-- istiod rejects"; grep -E '^pilot_total_xds_rejects|^pilot_xds_pushes' "$out/istiod-metrics.txt" || echo "pilot_total_xds_rejects: no series (none recorded)"
  echo "-- istiod NACK lines"; grep -ciE 'nack|ack error' "$out/istiod.log" || true
  echo "-- proxy-status"; cat "$out/proxy-status.txt"
} | tee "$out/summary.txt"
stamp "done; evidence in $out"
