#!/usr/bin/env bash
# Generates the OpenTelemetry Collector's Go sources under images/go/otelcol-VERSION/ from the
# builder manifest there (builder-config.yaml), with the collector's own builder
# (go.opentelemetry.io/collector/cmd/builder) at the same VERSION:
#
#   images/go/gen-otelcol.sh v0.153.0   # -> images/go/otelcol-v0.153.0/{main*.go,components.go,go.mod,go.sum}
#
# The output is committed and built with a plain `go build` (images/build-otel.sh), like the
# wrappers gen-wrapper.sh writes: the image build then needs no builder and gets a pinned go.sum.
# To change components, edit builder-config.yaml and run this again. Needs Go; only the Go module
# proxy is contacted.
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=scripts/lib.sh
source ../../scripts/lib.sh

[ $# = 1 ] || die "usage: $0 VERSION (e.g. v0.153.0; images/go/otelcol-VERSION/builder-config.yaml must exist)"
version="$1"
[[ "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "'$version' is not a version like v0.153.0"
out="otelcol-$version"
[ -f "$out/builder-config.yaml" ] ||
  die "$out/builder-config.yaml is missing: copy the previous otelcol-*/builder-config.yaml there and set its component versions"
command -v go >/dev/null || die "'go' is needed"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
say "building the collector builder $version"
# Into the scratch directory, not GOBIN: the builder is needed only for this run.
GOBIN="$tmp/bin" go install "go.opentelemetry.io/collector/cmd/builder@$version" ||
  die "go install go.opentelemetry.io/collector/cmd/builder@$version failed (is $version a builder release?)"
mkdir "$tmp/run"
cp "$out/builder-config.yaml" "$tmp/run/"
# The manifest's output_path is ./out, relative to where the builder runs. --skip-compilation:
# it still runs `go get` and `go mod tidy`, so go.mod and go.sum come out complete.
(cd "$tmp/run" && "$tmp/bin/builder" --config builder-config.yaml --skip-compilation >"$tmp/builder.log" 2>&1) ||
  { cat "$tmp/builder.log" >&2; die "the builder failed on $out/builder-config.yaml"; }
# Proof the sources are complete: every package resolves from go.mod/go.sum as committed.
(cd "$tmp/run/out" && GOFLAGS=-mod=readonly go list -deps . >/dev/null) || die "the generated module does not resolve every package"

generated=(main.go main_others.go main_windows.go components.go go.mod go.sum)
for f in "${generated[@]}"; do
  [ -f "$tmp/run/out/$f" ] || die "the builder wrote no $f (its output: $(ls "$tmp/run/out"))"
done
rm -f "$out"/*.go "$out/go.mod" "$out/go.sum"
for f in "${generated[@]}"; do cp "$tmp/run/out/$f" "$out/"; done
say "wrote images/go/$out ($(grep -c . "$out/go.sum") go.sum lines)"
