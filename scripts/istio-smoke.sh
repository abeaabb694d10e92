#!/usr/bin/env bash
# Proves the offline Istio build live on a cluster of its own, and keeps evidence beyond what a
# `run` records: a Job through the proxy beside a real `kubectl get pods -w` (the Istio blog's
# demonstration), and a long-running client whose Envoy is asked for its xDS counters and config.
#
# The cluster, its gate, the node image and Istio's install (hub, tag, the settings upstream
# Envoy needs, ENABLE_NATIVE_SIDECARS per mode) are the harness's: `sidecar-e2e cluster up
# --injector istio@<minor> --mode <mode>` makes them, and its env file names the kubeconfig,
# kubectl, istioctl and the workload images. This script decides none of them.
#
# Usage: scripts/istio-smoke.sh [--k8s 1.32] [--mode native|legacy] [--istio 1.31] [--out DIR] [--keep]
#   --mode    native or legacy: the layout Istio injects (native sidecars are on either way)
#   --out     where the evidence goes (default: target/istio-smoke/<k8s>-<mode>)
#   --keep    leave the cluster up (remove it with `sidecar-e2e cluster down --env-file DIR/cluster.env`)
# Builds what it needs first (cached): `sidecar-e2e images build --k8s <k8s> --injector istio@<minor>`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

k8s=1.32
mode=native
istio=1.31
out=""
keep=false
while [ $# -gt 0 ]; do
  case "$1" in
    --k8s) k8s="$2"; shift 2 ;;
    --mode) mode="$2"; shift 2 ;;
    --istio) istio="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --keep) keep=true; shift ;;
    -h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (try --help)" ;;
  esac
done
out="${out:-target/istio-smoke/$k8s-$mode}"
mkdir -p "$out"
out=$(cd "$out" && pwd)
se2e() { cargo run --locked --quiet -p sidecar-e2e -- "$@"; }

source scripts/tools.sh
ensure_offline_build_tools
scripts/docker-up.sh
map="$out/images.yaml"
se2e images build --k8s "$k8s" --injector "istio@$istio" --output "$map"
# Native sidecars on (where the gate exists the plan writes it; from 1.37 it is never named):
# the mode alone decides the layout Istio injects.
env_file="$out/cluster.env"
se2e cluster up --k8s "$k8s" --gate on --injector "istio@$istio" --mode "$mode" \
  --image-map "$map" --artifacts "$out/cluster" --env-file "$env_file"
cleanup() {
  [ -n "${watch_pid:-}" ] && kill "$watch_pid" 2>/dev/null || true
  if [ "$keep" = true ]; then
    say "kept: source $env_file; remove: cargo run -p sidecar-e2e -- cluster down --env-file $env_file"
  else
    se2e cluster down --env-file "$env_file" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT
set -a
# The env file `sidecar-e2e cluster up` wrote a moment ago.
# shellcheck source=/dev/null
source "$env_file"
set +a
[ -n "${SIDECAR_E2E_KUBECTL:-}" ] || die "the image map records no kubectl: build the images with sidecar-e2e images build"
k() { "$SIDECAR_E2E_KUBECTL" --kubeconfig "$SIDECAR_E2E_KUBECONFIG" "$@"; }
t0=$(date +%s)
stamp() { say "[$(($(date +%s) - t0))s] $*"; }

ns=smoke
k create namespace "$ns" >/dev/null
k label namespace "$ns" istio-injection=enabled >/dev/null
sed "s|\${HTTPBIN_IMAGE}|$SIDECAR_E2E_HTTPBIN_IMAGE|" core/src/scenario/httpbin.yaml | k -n "$ns" apply -f - >/dev/null
k -n "$ns" rollout status deploy/httpbin --timeout=120s >/dev/null
stamp "httpbin ready"

# The blog's watch: a Job whose app calls httpbin through the proxy, sleeps 1 s and exits.
k -n "$ns" get pods -w -l job-name=smoke-job >"$out/job-watch.txt" 2>&1 &
watch_pid=$!
sleep 1
k -n "$ns" apply -f - >/dev/null <<EOF
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
        image: $SIDECAR_E2E_CURL_IMAGE
        command: ["/bin/sh", "-c"]
        args:
        - |
          code=\$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 http://httpbin.$ns.svc.cluster.local:8000/get); rc=\$?
          echo "smoke step=request curl_exit=\$rc http_status=\$code"
          sleep 1
EOF
stamp "job created; waiting for it ($mode)"
if [ "$mode" = native ]; then
  k -n "$ns" wait --for=condition=complete job/smoke-job --timeout=180s >/dev/null || say "the job did not complete"
  sleep 8 # the watch's last rows (the proxy stopping) come a few seconds after completion
else
  # Legacy: the app exits, the proxy keeps the pod Running (the classic failure).
  sleep 30
fi
kill "$watch_pid" 2>/dev/null || true
watch_pid=""
job_pod=$(k -n "$ns" get pods -l job-name=smoke-job -o jsonpath='{.items[0].metadata.name}')
k -n "$ns" get pod "$job_pod" -o yaml >"$out/job-pod.yaml"
for c in app istio-proxy istio-init; do
  k -n "$ns" logs "$job_pod" -c "$c" >"$out/job-$c.log" 2>&1 || true
done

# A client that stays up, to ask its Envoy what it accepted.
k -n "$ns" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  containers:
  - name: app
    image: $SIDECAR_E2E_CURL_IMAGE
    command: ["/bin/sh", "-c", "while true; do curl -sS -o /dev/null http://httpbin.$ns.svc.cluster.local:8000/get; sleep 5; done"]
EOF
k -n "$ns" wait --for=condition=ready pod/client --timeout=180s >/dev/null
sleep 6
for what in stats config_dump server_info; do
  k -n "$ns" exec client -c istio-proxy -- pilot-agent request GET "$what" >"$out/client-envoy-$what.txt"
done
k -n istio-system exec deploy/istiod -- curl -sS localhost:15014/metrics >"$out/istiod-metrics.txt"
k -n istio-system logs deploy/istiod >"$out/istiod.log"

{
  echo "== Kubernetes $SIDECAR_E2E_K8S, gate $SIDECAR_E2E_GATE, $SIDECAR_E2E_INJECTOR, $mode"
  echo "-- job pod layout (init containers / containers)"
  k -n "$ns" get pod "$job_pod" -o jsonpath='{range .spec.initContainers[*]}{.name}{" restartPolicy="}{.restartPolicy}{"\n"}{end}{range .spec.containers[*]}{.name}{"\n"}{end}'
  echo "-- kubectl get pods -w (job)"; cat "$out/job-watch.txt"
  echo "-- job app"; cat "$out/job-app.log"
  echo "-- job access log (istio-proxy)"; grep -E '^\[' "$out/job-istio-proxy.log" || echo "(none)"
  echo "-- client Envoy: xDS counters"
  grep -E '^(listener_manager\.lds|cluster_manager\.cds)\.(update_success|update_rejected)' "$out/client-envoy-stats.txt"
  echo "-- istiod NACK lines"; grep -ciE 'nack|ack error' "$out/istiod.log" || true
} | tee "$out/summary.txt"
stamp "done; evidence in $out"
