#!/usr/bin/env bash
# Builds the injector image offline: a static binary (glibc, crt-static) on `FROM scratch`.
#   scripts/build-injector-image.sh [TAG]     default tag sidecar-e2e/injector:dev
set -euo pipefail
cd "$(dirname "$0")/.."
tag="${1:-sidecar-e2e/injector:dev}"
target=x86_64-unknown-linux-gnu
RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --locked -p sidecar-injector --target "$target"
bin="target/$target/release/sidecar-injector"
# A dynamically linked ELF names its loader in a PT_INTERP header; scratch has no loader.
if readelf -l "$bin" | grep -q INTERP; then
  echo "error: $bin is dynamically linked; a FROM scratch image cannot run it" >&2
  exit 1
fi
command -v docker >/dev/null || { echo "error: docker is needed to build the image (binary is at $bin)" >&2; exit 1; }
docker build -f injector/Dockerfile -t "$tag" .
echo "built $tag"
