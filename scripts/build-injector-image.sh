#!/usr/bin/env bash
# Builds the injector image offline: a static binary (glibc, crt-static) on `FROM scratch`.
#   scripts/build-injector-image.sh [TAG]     default tag sidecar-e2e/injector:dev
# CARGO_TARGET_DIR is honoured (the offline build keeps one in its cache so reruns are quick).
set -euo pipefail
cd "$(dirname "$0")/.."
tag="${1:-sidecar-e2e/injector:dev}"
# The host's own target (x86_64 or aarch64): the image runs where it is built.
target="$(uname -m)-unknown-linux-gnu"
target_dir="${CARGO_TARGET_DIR:-target}"
RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --locked -p sidecar-injector --target "$target"
bin="$target_dir/$target/release/sidecar-injector"
# A dynamically linked ELF names its loader in a PT_INTERP header; scratch has no loader.
if readelf -l "$bin" | grep -q INTERP; then
  echo "error: $bin is dynamically linked; a FROM scratch image cannot run it" >&2
  exit 1
fi
command -v docker >/dev/null || { echo "error: docker is needed to build the image (binary is at $bin)" >&2; exit 1; }
# The build context holds the binary alone.
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
cp "$bin" "$context/sidecar-injector"
docker build --quiet -f injector/Dockerfile -t "$tag" "$context" >/dev/null
echo "built $tag"
