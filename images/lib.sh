# shellcheck shell=bash
# Step runner for images/build-*.sh: one progress line per step with its elapsed time, a cache
# check before each step, and on failure the step, the command and the tail of its output; and
# the docker builds they share. Sourced, not run.

source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
CACHE="$SIDECAR_E2E_CACHE_DIR"
LOGS="$CACHE/logs"
mkdir -p "$CACHE/bin" "$CACHE/stamps" "$CACHE/rootfs" "$LOGS"

# Flags of every Go build here. -trimpath: a cache entry and a binary do not depend on where the
# module cache or the checkout lies (minors and machines share them). -gcflags=all=-dwarf=false:
# the compiler writes no debug info, which `-ldflags "-s -w"` would drop anyway: 6 % less time and
# 15 % less build cache for a cold Kubernetes command (scripts/bench-go-build.sh, BENCHMARKS.md).
# Not -p above the core count: 7 % slower there. Not in the cache keys: no binary behaves otherwise.
# shellcheck disable=SC2034 # read by the scripts that source this
GO_BUILD_FLAGS="-trimpath -buildvcs=false -gcflags=all=-dwarf=false"

STEP_INDEX=0
STEP_TOTAL=0
# shellcheck disable=SC2034 # read by the scripts that source this, for their "done in" line
BUILD_STARTED=$(date +%s)

# Seconds since $1 (epoch seconds), as "12s" or "3m04s".
elapsed_since() {
  local s=$(($(date +%s) - $1))
  if ((s < 60)); then printf '%ds' "$s"; else printf '%dm%02ds' $((s / 60)) $((s % 60)); fi
}

# The versions images/versions/<project>-*.env defines, e.g. `defined_versions istio` -> "1.31",
# for a message that names what can be asked for.
defined_versions() {
  (cd "$(dirname "${BASH_SOURCE[0]}")/versions" && ls "$1"-*.env 2>/dev/null) | sed "s/^$1-//; s/\.env\$//" | paste -sd' ' -
}

# A cache key: the sha256 of the given words and of the contents of the given files
# (arguments that name a readable file are hashed by content, the rest as text).
cache_key() {
  local arg
  for arg in "$@"; do
    if [ -f "$arg" ]; then
      printf 'file %s\n' "$arg"
      sha256sum <"$arg"
    else
      printf 'word %s\n' "$arg"
    fi
  done | sha256sum | cut -c1-16
}

# What a wrapper module's go.mod asks for, without its comments: a cache key over this (and
# go.sum) survives a reworded header, which changes nothing that is built.
module_requirements() {
  grep -v '^[[:space:]]*//' "$1/go.mod" | sha256sum | cut -c1-16
}

# Refuses to start a build that cannot finish: a Kubernetes minor's Go build needs several GB
# of build cache (and fails half-way, with a wall of "no space left on device", without it).
require_free_space() {
  local need_gb="$1" dir="$2" have_kb
  # A cache Go has not made yet (GOCACHE on a fresh machine) fills the filesystem it will be on.
  while [ ! -e "$dir" ] && [ "$dir" != / ]; do dir=$(dirname "$dir"); done
  have_kb=$(df -Pk "$dir" | awk 'NR == 2 { print $4 }')
  if [ -n "$have_kb" ] && [ "$have_kb" -lt $((need_gb * 1024 * 1024)) ]; then
    die "only $((have_kb / 1024 / 1024)) GB free under $dir; a minor's build needs about $need_gb GB (go clean -cache, old cargo target/ directories and docker image prune free space)"
  fi
}

# Keeps Go's build cache within a disk budget, shared across minors: minors share what their
# dependency versions share (the standard library, many third-party modules), so a second minor
# builds faster with the first's entries in the cache; but Go trims only entries unused for five
# days, and ten minors' entries take about 30 GB. Removes the least recently used entries (Go
# touches an entry's mtime when it uses it, at most hourly) until the cache is under
# ${SIDECAR_E2E_GO_CACHE_GB:-16} GB. Removing entries is safe: a missing one is a miss.
trim_go_cache() {
  local dir budget_gb="${SIDECAR_E2E_GO_CACHE_GB:-16}" removed
  dir=$(go env GOCACHE)
  [ -d "$dir" ] || return 0
  [[ "$budget_gb" =~ ^[0-9]+$ ]] || die "SIDECAR_E2E_GO_CACHE_GB takes a whole number of GB, not '$budget_gb'"
  local old_entries
  old_entries=$(mktemp)
  # Newest first; past the budget, every older entry goes.
  find "$dir" -type f -name '*-[ad]' -printf '%T@ %s %p\n' | sort -rn |
    awk -v budget=$((budget_gb * 1024 * 1024 * 1024)) '
      { total += $2; if (total > budget) { sub(/^[^ ]+ [^ ]+ /, ""); print } }' >"$old_entries"
  xargs -r -d '\n' rm -f <"$old_entries"
  removed=$(wc -l <"$old_entries")
  rm -f "$old_entries"
  if [ "$removed" -gt 0 ]; then
    echo "  Go build cache over ${budget_gb} GB: removed its $removed least recently used entries ($dir)" >&2
  fi
}

# Is the docker image $1 there, built with key $2?
image_is_fresh() {
  local have
  have=$(docker image inspect -f '{{ index .Config.Labels "sidecar-e2e.build-key" }}' "$1" 2>/dev/null) || return 1
  [ "$have" = "$2" ]
}

# Is directory $1 there, built with key $2? (build steps write the key last: a step killed
# half-way leaves no stamp and is redone.)
dir_is_fresh() {
  [ -f "$1/.build-key" ] && [ "$(cat "$1/.build-key")" = "$2" ]
}

stamp_dir() {
  echo "$2" >"$1/.build-key"
}

# Runs a command of the current step with its output in the step's log; the command is kept so
# a failure can name it.
run() {
  printf '%q ' "$@" >"$STEP_LOG.cmd"
  printf '\n$ %s\n' "$(cat "$STEP_LOG.cmd")" >>"$STEP_LOG"
  "$@" >>"$STEP_LOG" 2>&1
}

# step NAME FRESHNESS-CHECK... -- FUNCTION
#   Skips FUNCTION when the check (a command) succeeds; otherwise runs it with the step's log.
step() {
  local name="$1"
  shift
  local check=()
  while [ "$1" != "--" ]; do
    check+=("$1")
    shift
  done
  shift
  local fn="$1"
  STEP_INDEX=$((STEP_INDEX + 1))
  local label="[$STEP_INDEX/$STEP_TOTAL] $name"
  local started
  started=$(date +%s)
  if "${check[@]}"; then
    echo "$label: cached" >&2
    return 0
  fi
  STEP_LOG="$LOGS/$name.log"
  : >"$STEP_LOG"
  rm -f "$STEP_LOG.cmd"
  echo "$label: building ..." >&2
  # Not `if ! (...)`: bash ignores set -e inside a subshell whose status is being tested.
  local status=0
  set +e
  (
    set -e
    "$fn"
  )
  status=$?
  set -e
  if [ "$status" != 0 ]; then
    echo "$name" >"$CACHE/.failed-step"
    echo "$label: FAILED after $(elapsed_since "$started")" >&2
    if [ -f "$STEP_LOG.cmd" ]; then
      echo "  command: $(cat "$STEP_LOG.cmd")" >&2
    fi
    echo "  last lines of $STEP_LOG:" >&2
    tail -n 25 "$STEP_LOG" | sed 's/^/    /' >&2
    if grep -q "unable to apply caps" "$STEP_LOG"; then
      echo "  hint: this host cannot grant every capability to privileged containers (it lacks" >&2
      echo "        CAP_SYS_RESOURCE); scripts/docker-up.sh installs the runtime wrapper that fixes it" >&2
    elif grep -q "no space left on device" "$STEP_LOG"; then
      echo "  hint: the disk is full; free space (go clean -cache, old cargo target/ directories," >&2
      echo "        docker image prune) and run the build again: what built is cached" >&2
    elif grep -qE "Cannot connect to the Docker daemon|Is the docker daemon running" "$STEP_LOG"; then
      echo "  hint: no Docker daemon answers; start one with scripts/docker-up.sh" >&2
    fi
    exit 1
  fi
  echo "$label: built in $(elapsed_since "$started")" >&2
}

# --- Docker images (every build script) ---------------------------------------------------

# docker_build IMAGE KEY DOCKERFILE CONTEXT [--build-arg ...]
docker_build() {
  local image="$1" key="$2" dockerfile="$3" context="$4"
  shift 4
  run docker build --quiet --label "sidecar-e2e.build-key=$key" -f "$dockerfile" -t "$image" "$@" "$context"
  # The context holds copies of binaries (half a gigabyte for the node); the image has them now.
  case "$context" in "$CACHE/context/"*) rm -rf "$context" ;; esac
}

# static_image IMAGE KEY BINARY NAME [USER]: one static binary on an empty image, run as NAME.
static_image() {
  local image="$1" key="$2" binary="$3" name="$4" user="${5:-0}" ctx
  ctx=$(fresh_context "$name")
  cp "$binary" "$ctx/binary"
  sed "s|@NAME@|$name|g; s|@USER@|$user|g" images/dockerfiles/static-binary.Dockerfile >"$ctx/Dockerfile"
  docker_build "$image" "$key" "$ctx/Dockerfile" "$ctx"
}

# A build context holding exactly the named files (docker build copies the whole context).
fresh_context() {
  local dir="$CACHE/context/$1"
  rm -rf "$dir"
  mkdir -p "$dir"
  echo "$dir"
}

# node_layer BASE TARGET KEY IMAGE...: TARGET is BASE (a kind node image) with each IMAGE in its
# containerd under its own name, committed as one thin layer labelled with KEY. A cell whose node
# holds its images loads nothing (the runner asks the node; docs/offline-images.md). The images
# are imported without unpacking, as kind's own build does: containerd unpacks an image the first
# time a container uses it. The image TARGET named before is removed when nothing uses it (it is
# a few MB to a few hundred: every rebuild of the injector makes a new one).
node_layer() {
  local base="$1" target="$2" key="$3" builder="sidecar-e2e-layer-$$" old image
  shift 3
  old=$(docker image inspect -f '{{.Id}}' "$target" 2>/dev/null || true)
  run docker run -d --name "$builder" --entrypoint sleep --security-opt seccomp=unconfined "$base" infinity
  # shellcheck disable=SC2064 # the container's name is fixed now
  trap "docker rm -f -v '$builder' >/dev/null 2>&1 || true" RETURN
  run docker cp "$(dirname "${BASH_SOURCE[0]}")/node/import-images.sh" "$builder:/kind/bin/import-images.sh"
  for image in "$@"; do
    docker save "$image" | run docker exec -i "$builder" /kind/bin/import-images.sh "$image" "$image"
  done
  # containerd writes its metadata on the way out: commit only once it has gone (a zombie, as
  # nothing in the container reaps it, or for 10 s at most).
  run docker exec "$builder" sh -c 'pkill -x containerd
    for _ in $(seq 100); do ps -o stat= -C containerd | grep -qv Z || exit 0; sleep 0.1; done'
  run docker commit \
    --change 'ENTRYPOINT [ "/usr/local/bin/entrypoint", "/sbin/init" ]' \
    --change "LABEL sidecar-e2e.build-key=$key" \
    "$builder" "$target"
  if [ -n "$old" ] && [ "$old" != "$(docker image inspect -f '{{.Id}}' "$target")" ]; then
    docker rmi "$old" >/dev/null 2>&1 || true
  fi
}

# The image ID of each local image named, one per line (for cache keys over images).
image_ids() {
  local image
  for image in "$@"; do
    docker image inspect -f '{{.Id}}' "$image" 2>/dev/null || echo "absent:$image"
  done
}
