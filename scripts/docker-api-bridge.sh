#!/usr/bin/env bash
# nextest setup script for the testcontainers suites (see .config/nextest.toml).
#
# testcontainers 0.27 (through bollard 0.20) always speaks Docker Engine API 1.52, and a daemon
# answers a newer client than it knows with "client version 1.52 is too new". Debian 12's
# docker.io (20.10) speaks 1.41. Where the daemon is older than the client, this starts an nginx
# bridge on a unix socket that rewrites the /v1.NN/ prefix of every request to the daemon's own
# version (streams and upgraded connections pass through), and hands the tests
# DOCKER_HOST=unix://<bridge> through $NEXTEST_ENV. Only these tests see it: kind and the docker CLI
# keep talking to the daemon directly. Where the daemon is new enough, it does nothing.
set -euo pipefail

client_api=1.52
run_dir="${SIDECAR_E2E_RUN_DIR:-/run/sidecar-e2e}"
socket="$run_dir/docker-api.sock"
daemon_socket="${SIDECAR_E2E_DOCKER_SOCKET:-/var/run/docker.sock}"

source "$(dirname "$0")/lib.sh"

server_api=$(docker version -f '{{.Server.APIVersion}}' 2>/dev/null) ||
  die "no Docker daemon answers: run scripts/docker-up.sh"
newer() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | tail -n 1)" = "$1" ]; }
if newer "$server_api" "$client_api"; then
  echo "docker-api-bridge: daemon speaks API $server_api >= $client_api; no bridge needed" >&2
  exit 0
fi

if ! command -v nginx >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || die "the Docker daemon speaks API $server_api < $client_api and nginx is missing to bridge it"
  echo "docker-api-bridge: installing nginx-light from Debian" >&2
  apt-get install -y -qq nginx-light >/dev/null
  # Debian's package starts a default site on :80 where it can; this bridge needs none of it.
  nginx -s stop >/dev/null 2>&1 || true
fi

mkdir -p "$run_dir"
conf="$run_dir/docker-api-bridge.conf"
cat >"$conf.tmp" <<NGINX
# Written by scripts/docker-api-bridge.sh: Docker API $client_api clients -> daemon API $server_api.
daemon on;
# Workers must reach the daemon socket, which only root (and the docker group) may open.
user root;
pid $run_dir/docker-api-bridge.pid;
error_log $run_dir/docker-api-bridge.log warn;
events {}
http {
  access_log off;
  map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
  server {
    listen unix:$socket;
    client_max_body_size 0;
    proxy_buffering off;
    proxy_request_buffering off;
    proxy_read_timeout 1h;
    proxy_send_timeout 1h;
    location / {
      rewrite ^/v[0-9]+\.[0-9]+/(.*)\$ /v$server_api/\$1 break;
      proxy_pass http://unix:$daemon_socket;
      proxy_http_version 1.1;
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection \$connection_upgrade;
    }
  }
}
NGINX
# Running means the pid file names a live nginx: after a reboot or a killed session the file
# stays behind, and its number may have gone to another process.
running=false
pid=$(cat "$run_dir/docker-api-bridge.pid" 2>/dev/null || true)
if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = nginx ]; then
  running=true
fi
if $running && cmp -s "$conf" "$conf.tmp"; then
  rm -f "$conf.tmp"
else
  mv "$conf.tmp" "$conf"
  if $running; then
    nginx -c "$conf" -s reload
  else
    rm -f "$socket"
    # The daemon outlives this script: it must not keep what its caller holds open (a lock
    # taken with flock(1), the write end of a pipe the caller reads to its end), or the caller's
    # lock stays held and its pipe never ends while nginx runs.
    (
      for fd in /proc/self/fd/*; do
        fd=${fd##*/}
        if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
      done
      exec nginx -c "$conf" </dev/null >/dev/null
    )
  fi
fi
# The bridge must answer as the daemon does, at the client's version.
for _ in $(seq 1 50); do
  if curl -fsS --unix-socket "$socket" "http://docker/v$client_api/version" >/dev/null 2>&1; then
    echo "docker-api-bridge: API $client_api -> $server_api on $socket" >&2
    if [ -n "${NEXTEST_ENV:-}" ]; then
      echo "DOCKER_HOST=unix://$socket" >>"$NEXTEST_ENV"
    else
      echo "DOCKER_HOST=unix://$socket"
    fi
    exit 0
  fi
  sleep 0.1
done
die "the bridge on $socket does not answer (log: $run_dir/docker-api-bridge.log)"
