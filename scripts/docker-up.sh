#!/usr/bin/env bash
# Makes a Docker daemon answer on this machine, ready for kind:
#   1. installs Docker from Debian (docker.io) and jq if dockerd is missing;
#   2. where the host's capability bounding set lacks CAP_SYS_RESOURCE (privileged containers,
#      hence every kind node, fail with "unable to apply caps"), installs images/host/sidecar-e2e-runc
#      as Docker's default runtime;
#   3. starts dockerd if nothing answers, and waits until it does;
#   4. proves a --privileged container starts.
# Idempotent: on a machine where all of this holds it only checks, in about a second.
#
#   scripts/docker-up.sh            # log: ${SIDECAR_E2E_DOCKERD_LOG:-/var/log/sidecar-e2e-dockerd.log}
set -euo pipefail
cd "$(dirname "$0")/.."

log="${SIDECAR_E2E_DOCKERD_LOG:-/var/log/sidecar-e2e-dockerd.log}"
wrapper_src="images/host/sidecar-e2e-runc"
wrapper=/usr/local/bin/sidecar-e2e-runc
daemon_json=/etc/docker/daemon.json

source scripts/lib.sh

# 1. Docker from Debian.
if ! command -v dockerd >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || die "dockerd is missing and this is not a Debian-like system: install Docker, then re-run"
  say "installing docker.io and jq from Debian"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io jq >/dev/null
fi
command -v jq >/dev/null 2>&1 || as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >/dev/null

# 2. The runtime wrapper, only where the bounding set lacks CAP_SYS_RESOURCE (capability 24).
lacks_sys_resource() {
  local bnd
  bnd=$(awk '/^CapBnd:/ {print $2}' /proc/self/status)
  (((0x$bnd >> 24 & 1) == 0))
}

need_wrapper=false
if lacks_sys_resource; then
  need_wrapper=true
  as_root install -m 0755 "$wrapper_src" "$wrapper"
  if [ ! -f "$daemon_json" ] || ! jq -e '."default-runtime" == "sidecar-e2e-runc"' "$daemon_json" >/dev/null 2>&1; then
    say "this host lacks CAP_SYS_RESOURCE: registering $wrapper as Docker's default runtime in $daemon_json"
    as_root mkdir -p "$(dirname "$daemon_json")"
    current='{}'
    [ -f "$daemon_json" ] && current=$(cat "$daemon_json")
    echo "$current" | jq --arg path "$wrapper" \
      '.runtimes["sidecar-e2e-runc"] = {path: $path} | ."default-runtime" = "sidecar-e2e-runc"' \
      | as_root tee "$daemon_json.tmp" >/dev/null
    as_root mv "$daemon_json.tmp" "$daemon_json"
    if pid=$(pidof dockerd); then
      say "restarting dockerd (pid $pid) to load the new runtime"
      as_root kill "$pid"
      timeout 30 sh -c "while kill -0 $pid 2>/dev/null; do sleep 0.2; done" || die "dockerd (pid $pid) did not stop"
    fi
  fi
fi

# 3. A daemon that answers.
if ! docker_answers; then
  if ! pidof dockerd >/dev/null; then
    say "starting dockerd (log: $log)"
    as_root sh -c "nohup setsid dockerd >>'$log' 2>&1 </dev/null &"
  fi
  if ! timeout 60 sh -c 'until docker info >/dev/null 2>&1; do sleep 0.5; done'; then
    tail -n 20 "$log" >&2 || true
    die "dockerd did not answer within 60 s (log above: $log)"
  fi
fi

# 4. Proof: a --privileged container starts. The probe image holds only the host's /bin/true and
# the libraries it links, so no registry is needed.
probe=sidecar-e2e.local/privileged-probe:1
if ! docker image inspect "$probe" >/dev/null 2>&1; then
  mapfile -t files < <(echo /bin/true; ldd /bin/true | grep -o '/[^ ]*')
  tar -ch --absolute-names --transform 's,^/,,' "${files[@]}" 2>/dev/null | docker import - "$probe" >/dev/null
fi
if ! out=$(docker run --rm --privileged --network none "$probe" /bin/true 2>&1); then
  if grep -q "unable to apply caps" <<<"$out"; then
    die "privileged containers fail here ($out); this host lacks CAP_SYS_RESOURCE and dockerd does not use $wrapper: stop dockerd and re-run this script"
  fi
  die "a --privileged probe container failed: $out"
fi
if [ "$need_wrapper" = true ]; then
  say "ok: Docker $(docker version -f '{{.Server.Version}}') answers; privileged containers start (through sidecar-e2e-runc)"
else
  say "ok: Docker $(docker version -f '{{.Server.Version}}') answers; privileged containers start"
fi
