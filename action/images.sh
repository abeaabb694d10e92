#!/usr/bin/env bash
# Step `images` of action.yml: every image the run loads is in the local Docker before it starts
# (`sidecar-e2e run` refuses to start without them).
#
# With an image map (IMAGE_MAP, the `image-map` input) the map names every image and nothing is
# pulled: its images must already be here (`sidecar-e2e images build` made them, or the job pulled
# them). Otherwise:
#   node image      kind's image NODE_IMAGE (pinned by digest). Its archive in NODE_IMAGE_DIR (step
#                   `node-image-cache` restored it when an earlier run saved it) is loaded; else it
#                   is pulled by digest and saved there for step `node-image-save`. It is tagged
#                   locally as sidecar-e2e.local/kindest-node-sha256-<digest>:<tag> and the run
#                   is given an image map naming it: a `docker save`/`load` round trip keeps
#                   tags but not the registry digest, so the tag is what survives the cache.
#   workloads       WORKLOAD_IMAGES, pulled for this runner's platform
#   builtin         the builtin injector's image INJECTOR_IMAGE (for `injector: builtin`): from the
#                   release's sidecar-injector binary (HARNESS_DIR/bin) on injector/Dockerfile, or
#                   built from the action's source (scripts/build-injector-image.sh)
#
# Reads IMAGE_MAP, NODE_IMAGE, NODE_IMAGE_DIR, K8S, INJECTOR, HARNESS_DIR, WORKLOAD_IMAGES,
# INJECTOR_IMAGE, WORK. Outputs: image-map (the map the run uses, or empty), node-image-cache
# (loaded, pulled, present or none).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_env GITHUB_OUTPUT GITHUB_ACTION_PATH K8S INJECTOR WORK
command -v docker >/dev/null || fail "docker is needed"

if [ -n "${IMAGE_MAP:-}" ]; then
  say "the image map $IMAGE_MAP names every image: nothing pulled"
  output image-map "$IMAGE_MAP"
  output node-image-cache none
  exit 0
fi
require_env NODE_IMAGE NODE_IMAGE_DIR WORKLOAD_IMAGES INJECTOR_IMAGE

platform="linux/$(docker_arch)"
# `docker save --platform` exists from Docker 28; before it, save writes the one platform pulled.
save_platform=()
if [ "$(docker version --format '{{.Server.Version}}' | cut -d. -f1)" -ge 28 ]; then
  save_platform=(--platform "$platform")
fi
present() { docker image inspect "$1" >/dev/null 2>&1; }

# kindest/node:v1.33.12@sha256:<hex> -> sidecar-e2e.local/kindest-node-sha256-<hex>:v1.33.12: the
# digest in the name, the tag kept (the plan reads the patch from a node image's tag).
[[ "$NODE_IMAGE" =~ ^([^@]+):([^:@]+)@sha256:([0-9a-f]{64})$ ]] || fail "$NODE_IMAGE is not name:tag@sha256:digest"
repository=${BASH_REMATCH[1]}
digest=${BASH_REMATCH[3]}
local_tag="sidecar-e2e.local/kindest-node-sha256-$digest:${BASH_REMATCH[2]}"
archive="$NODE_IMAGE_DIR/node-image.tar"
if present "$local_tag"; then
  cache=present
elif [ -f "$archive" ]; then
  say "loading $NODE_IMAGE from the cache"
  docker load --quiet --input "$archive" >&2 || fail "docker load of $archive failed"
  present "$local_tag" || fail "$archive did not hold $local_tag"
  cache=loaded
else
  say "pulling $NODE_IMAGE"
  docker pull --quiet --platform "$platform" "$repository@sha256:$digest" >&2 || fail "could not pull $NODE_IMAGE"
  docker tag "$repository@sha256:$digest" "$local_tag"
  mkdir -p "$NODE_IMAGE_DIR"
  docker save "${save_platform[@]}" --output "$archive" "$local_tag" || fail "docker save of $local_tag failed"
  cache=pulled
fi
map="$WORK/images.yaml"
cat >"$map" <<EOF
# Written by the sidecar-e2e action: kind's node image for $K8S ($NODE_IMAGE), by a local tag.
nodeImages:
  "$K8S": $local_tag
EOF

for image in $WORKLOAD_IMAGES; do
  if ! present "$image"; then
    say "pulling $image"
    docker pull --quiet --platform "$platform" "$image" >&2 || fail "could not pull $image"
  fi
done

if [ "$INJECTOR" = builtin ] && ! present "$INJECTOR_IMAGE"; then
  injector_bin="${HARNESS_DIR:-}/bin/sidecar-injector"
  if [ -x "$injector_bin" ]; then
    say "building $INJECTOR_IMAGE from the release's sidecar-injector"
    context=$(mktemp -d)
    cp "$injector_bin" "$context/sidecar-injector"
    docker build --quiet -f "$GITHUB_ACTION_PATH/injector/Dockerfile" -t "$INJECTOR_IMAGE" "$context" >&2 \
      || fail "docker build of $INJECTOR_IMAGE failed"
    rm -rf "$context"
  else
    say "building $INJECTOR_IMAGE from $GITHUB_ACTION_PATH"
    "$GITHUB_ACTION_PATH/scripts/build-injector-image.sh" "$INJECTOR_IMAGE" >&2 \
      || fail "scripts/build-injector-image.sh failed"
  fi
fi

output image-map "$map"
output node-image-cache "$cache"
say "node image $local_tag ($cache); workload images present"
