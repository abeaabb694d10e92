#!/usr/bin/env bash
# Step `plan` of action.yml: asks the installed sidecar-e2e (`plan --format json`) whether every
# cell of the inputs can run, and what it needs: the kind release and the node image the
# node-image table names (core/data/minors.yaml). Nothing about versions is decided here.
#
# Reads SIDECAR_E2E, K8S, GATE, INJECTOR, IMAGE_MAP. Outputs:
#   kind-release    the kind release to create the cluster with (step `tools` installs it)
#   install-go      true when that kind is not on PATH and neither is Go (then actions/setup-go runs)
#   node-image      kind's published node image, pinned by digest; empty with an image map (the
#                   map names the node image) and then no node image is cached
#   node-image-key  the cache key of that image: its digest
#   node-image-dir  where its archive is kept between runs
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_env GITHUB_OUTPUT RUNNER_TEMP SIDECAR_E2E K8S GATE INJECTOR
command -v jq >/dev/null || fail "jq is needed (it is on GitHub's runners; elsewhere install it)"

status=0
plan=$("$SIDECAR_E2E" plan --k8s "$K8S" --gate "$GATE" --injector "$INJECTOR" --format json) || status=$?
case "$status" in
  0) ;;
  2) bad_input k8s "sidecar-e2e refused the cell (k8s $K8S, gate $GATE, injector $INJECTOR): its error is above" ;;
  *) fail "sidecar-e2e plan failed (exit $status)" ;;
esac

# Every cell must be able to run: a gate the minor cannot boot is the input's mistake.
invalid=$(jq -r '.[] | select(.valid | not) | "gate \(.gate) on \(.k8s) cannot run: \(.reason)"' <<<"$plan")
if [ -n "$invalid" ]; then
  bad_input gate "$invalid"
fi
kind_release=$(jq -r '[.[].cluster.kindRelease] | unique | if length == 1 then .[0] else error("cells disagree") end' <<<"$plan") \
  || fail "the plan names no single kind release: $plan"
node_image=$(jq -r '[.[].cluster.nodeImage] | unique | if length == 1 then (.[0] // "") else error("cells disagree") end' <<<"$plan") \
  || fail "the plan names no single node image: $plan"

node_key=""
node_dir=""
if [ -n "${IMAGE_MAP:-}" ]; then
  node_image=""
  say "the image map $IMAGE_MAP names the node image: no node image is pulled or cached"
elif [ -z "$node_image" ]; then
  bad_input k8s "kind publishes no node image for Kubernetes $K8S: give an image map (image-map) that names one, e.g. from \`sidecar-e2e images build\`"
else
  [[ "$node_image" =~ @sha256:([0-9a-f]{64})$ ]] || fail "the node image $node_image is not pinned by digest"
  digest=${BASH_REMATCH[1]}
  node_key="sidecar-e2e-node-image-$(docker_arch)-sha256-$digest"
  node_dir="$RUNNER_TEMP/sidecar-e2e-node-images/$digest"
fi

install_go=false
have_kind=$( { kind version 2>/dev/null || true; } | awk '{print $2}')
if [ "$have_kind" != "$kind_release" ] && ! command -v go >/dev/null; then
  install_go=true
fi

output kind-release "$kind_release"
output install-go "$install_go"
output node-image "$node_image"
output node-image-key "$node_key"
output node-image-dir "$node_dir"
say "kind $kind_release${node_image:+, node image $node_image}"
