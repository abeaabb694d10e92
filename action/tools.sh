#!/usr/bin/env bash
# Step `tools` of action.yml: kind at the release the plan names, and istioctl when asked for.
#   kind      used as found when `kind version` is that release; otherwise
#             `go install sigs.k8s.io/kind@<release>`: a tagged module version, checked against the
#             Go checksum database (the pin is the version, the checksum is the database's)
#   istioctl  ISTIOCTL (1.X.Y): the Istio release's istioctl for this platform, checked against the
#             sha256 file published beside it (that catches a corrupt download, not a replaced
#             release: the pin is the version)
# Both go to $RUNNER_TEMP/sidecar-e2e-tools/ and on PATH.
#
# Reads KIND_RELEASE, ISTIOCTL. Outputs: kind, istioctl (paths; istioctl empty when not asked).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_env GITHUB_OUTPUT GITHUB_PATH RUNNER_TEMP KIND_RELEASE
tools="$RUNNER_TEMP/sidecar-e2e-tools"

kind_version() { { "$1" version 2>/dev/null || true; } | awk '{print $2}'; }

kind=$(command -v kind || true)
if [ -z "$kind" ] || [ "$(kind_version "$kind")" != "$KIND_RELEASE" ]; then
  dir="$tools/kind-$KIND_RELEASE"
  if [ ! -x "$dir/kind" ]; then
    command -v go >/dev/null || fail "Go is needed to install kind $KIND_RELEASE (the action runs actions/setup-go when it is missing)"
    say "go install sigs.k8s.io/kind@$KIND_RELEASE"
    mkdir -p "$dir"
    GOBIN="$dir" go install "sigs.k8s.io/kind@$KIND_RELEASE" || fail "go install sigs.k8s.io/kind@$KIND_RELEASE failed"
  fi
  add_path "$dir"
  kind="$dir/kind"
fi
[ "$(kind_version "$kind")" = "$KIND_RELEASE" ] || fail "$kind is not kind $KIND_RELEASE: $("$kind" version 2>&1 || true)"
output kind "$kind"
say "$("$kind" version) at $kind"

istioctl=""
if [ -n "${ISTIOCTL:-}" ]; then
  dir="$tools/istioctl-$ISTIOCTL"
  if [ ! -x "$dir/istioctl" ]; then
    tarball="istioctl-$ISTIOCTL-linux-$(docker_arch).tar.gz"
    url="https://github.com/istio/istio/releases/download/$ISTIOCTL/$tarball"
    fetched=$(mktemp -d)
    download "$url" "$fetched/$tarball" || fail "could not download $url: is $ISTIOCTL an Istio release?"
    download "$url.sha256" "$fetched/$tarball.sha256" || fail "could not download $url.sha256"
    (cd "$fetched" && echo "$(cut -d' ' -f1 <"$tarball.sha256")  $tarball" | sha256sum -c --quiet -) \
      || fail "$tarball does not match the sha256 published beside it"
    mkdir -p "$dir"
    tar -xzf "$fetched/$tarball" -C "$dir" istioctl
    rm -rf "$fetched"
  fi
  add_path "$dir"
  istioctl="$dir/istioctl"
  "$istioctl" version --remote=false >&2 || fail "$istioctl does not run"
fi
output istioctl "$istioctl"
