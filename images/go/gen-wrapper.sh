#!/usr/bin/env bash
# Generates a wrapper module under images/go/ that builds one release of a Go project whose own
# go.mod cannot be `go install`ed: Kubernetes and etcd replace their sibling modules with local
# paths, containerd 2.1 carries `exclude` directives. The wrapper requires the release and points
# each sibling at its published version instead; everything else is read from the release's own
# go.mod (the `go` line, `godebug` lines, excludes), never hand-copied.
#
#   images/go/gen-wrapper.sh kubernetes v1.37.2   # -> images/go/kubernetes-1.37/{go.mod,go.sum}
#   images/go/gen-wrapper.sh etcd v3.6.5          # -> images/go/etcd-v3.6.5/
#   images/go/gen-wrapper.sh containerd v2.1.4    # -> images/go/containerd-v2.1.4/
#   images/go/gen-wrapper.sh otel-operator v0.153.0   # -> images/go/otel-operator-v0.153.0/
#   GOTOOLCHAIN=go1.27.3 images/go/gen-wrapper.sh kubernetes v1.38.0-beta.0   # a pre-release
# GEN_WRAPPER_COMMANDS="kubeadm kubelet ..." narrows Kubernetes' commands (to find which of them
# needs a module the proxy refuses).
#
# A sibling version the module proxy does not serve falls back to the newest served patch of the
# same minor that is older, with a comment saying so (k8s.io/endpointslice v0.32.13 is missing,
# v0.32.12 is used). Needs Go and jq; only the Go module proxy is contacted.
set -euo pipefail
cd "$(dirname "$0")"
source ../../scripts/lib.sh

[ $# = 2 ] || die "usage: $0 kubernetes|etcd|containerd|otel-operator VERSION (e.g. kubernetes v1.37.2)"
project="$1"
version="$2"
# A release (v1.37.2) or a pre-release (v1.38.0-beta.0: its staging modules are v0.38.0-beta.0).
[[ "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-(alpha|beta|rc)\.[0-9]+)?$ ]] ||
  die "'$version' is not a version like v1.37.2 or v1.38.0-beta.0"
for tool in go jq; do command -v "$tool" >/dev/null || die "'$tool' is needed"; done

IFS=. read -r major minor patch <<<"${version#v}"
case "$project" in
  kubernetes)
    module=k8s.io/kubernetes
    out="kubernetes-$major.$minor"
    wrapper=sidecar-e2e.local/kubernetes-build
    packages=()
    for c in ${GEN_WRAPPER_COMMANDS:-kubeadm kubelet kubectl kube-apiserver kube-controller-manager kube-scheduler kube-proxy}; do
      packages+=("k8s.io/kubernetes/cmd/$c")
    done
    why="k8s.io/kubernetes replaces its k8s.io/* staging modules with local paths, so it cannot be
// 'go install'ed; here each staging module points at its published v0.$minor.x instead."
    ;;
  etcd)
    module=go.etcd.io/etcd/server/v3
    out="etcd-$version"
    wrapper=sidecar-e2e.local/etcd-build
    packages=(go.etcd.io/etcd/server/v3)
    why="go.etcd.io/etcd/server/v3 replaces its sibling modules with local paths, so it cannot be
// 'go install'ed; here each sibling points at its published release instead."
    ;;
  containerd)
    module=github.com/containerd/containerd/v2
    out="containerd-$version"
    wrapper=sidecar-e2e.local/containerd-build
    packages=()
    for c in containerd ctr containerd-shim-runc-v2; do packages+=("$module/cmd/$c"); done
    why="containerd's go.mod carries exclude directives, which 'go install pkg@version' refuses; as a
// dependency of this module it resolves normally, with the excludes repeated here."
    ;;
  otel-operator)
    module=github.com/open-telemetry/opentelemetry-operator
    out="otel-operator-$version"
    wrapper=sidecar-e2e.local/otel-operator-build
    # The operator's main package is the module root (upstream builds main.go there).
    packages=("$module")
    why="github.com/open-telemetry/opentelemetry-operator requires its apis module as
// v0.0.0-unpublished and replaces it with ./apis (a separate module, not in the release's zip), so
// it cannot be 'go install'ed; here apis points at its published release (tag apis/$version)."
    ;;
  *) die "unknown project '$project': kubernetes, etcd, containerd or otel-operator" ;;
esac

src=$(go mod download -json "$module@$version" | jq -r '.Dir // error(.Error)') ||
  die "the module proxy does not serve $module@$version (pick a version 'go list -m -versions $module' lists, then try it: some listed versions are refused)"
upstream=$(go mod edit -json "$src/go.mod")

# Is module@version served (listed versions can still be refused)?
served() { go mod download -json "$1@$2" >/dev/null 2>&1; }

# The published version a sibling module takes: the release's own, else the newest older
# patch of that minor that is served. Prints "VERSION" or "VERSION // why".
sibling_version() {
  local path="$1" want="$2"
  if served "$path" "$want"; then
    echo "$want"
    return
  fi
  local prefix="${want%.*}." wanted_patch="${want##*.}" candidate
  for candidate in $(go list -m -versions "$path" 2>/dev/null | tr ' ' '\n' | grep -F "$prefix" | sort -t. -k3,3nr); do
    [[ "$candidate" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || continue
    [ "${candidate##*.}" -lt "$wanted_patch" ] || continue
    if served "$path" "$candidate"; then
      echo "$candidate // $want is not served by the module proxy"
      return
    fi
  done
  die "neither $path@$want nor an older patch of it is served"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go_line=$(jq -r '.Go' <<<"$upstream")
{
  echo "// Generated by images/go/gen-wrapper.sh $project $version; regenerate, do not edit."
  echo "// $why"
  echo "module $wrapper"
  echo
  echo "go $go_line"
} >"$tmp/go.mod"
# GODEBUG defaults come from the main module: keep the release's own.
while IFS= read -r kv; do
  [ -n "$kv" ] && (cd "$tmp" && go mod edit -godebug="$kv")
done < <(jq -r '(.GoDebug // [])[] | "\(.Key)=\(.Value)"' <<<"$upstream")
while IFS= read -r ex; do
  [ -n "$ex" ] && (cd "$tmp" && go mod edit -exclude="$ex")
done < <(jq -r '(.Exclude // [])[] | "\(.Path)@\(.Version)"' <<<"$upstream")

# Siblings: every replace whose target is a local path and that the release requires (etcd
# also replaces go.etcd.io/etcd itself with ./FORBIDDEN_DEPENDENCY, a guard, not a sibling).
replaces=()
while IFS= read -r path; do
  [ -n "$path" ] || continue
  case "$project" in
    kubernetes)
      # The sample-* staging modules are examples the commands never import (and several
      # patches of them are not published at all).
      [[ "$path" == k8s.io/sample-* ]] && continue
      want="v0.$minor.$patch"
      ;;
    etcd)
      # etcd 3.5's client/v2 is versioned v2.305.x alongside v3.5.x.
      if [[ "$path" == */v2 ]]; then want="v2.30$minor.$patch"; else want="$version"; fi
      ;;
    *) want="$version" ;;
  esac
  say "sibling $path"
  replaces+=("$path => $path $(sibling_version "$path" "$want")")
done < <(jq -r '[(.Require // [])[].Path] as $required
  | (.Replace // [])[] | select((.New.Path | startswith(".")) and (.Old.Path as $p | $required | index($p)))
  | .Old.Path' <<<"$upstream")
if [ ${#replaces[@]} -gt 0 ]; then
  {
    echo
    echo "replace ("
    printf '\t%s\n' "${replaces[@]}"
    echo ")"
  } >>"$tmp/go.mod"
fi

say "resolving ${packages[*]} at $version"
gets=()
for p in "${packages[@]}"; do gets+=("$p@$version"); done
(cd "$tmp" && GOFLAGS=-mod=mod go get "${gets[@]}" >/dev/null 2>"$tmp/get.log") ||
  { cat "$tmp/get.log" >&2; die "go get failed for $module@$version"; }
# Proof the wrapper is complete: every package the commands need resolves from go.mod/go.sum.
(cd "$tmp" && go list -deps "${packages[@]}" >/dev/null) || die "the wrapper does not resolve every package"

mkdir -p "$out"
cp "$tmp/go.mod" "$tmp/go.sum" "$out/"
say "wrote images/go/$out (go $go_line, ${#replaces[@]} siblings)"
