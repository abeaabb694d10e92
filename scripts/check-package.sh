#!/usr/bin/env bash
# Proves the harness installs from its packaged crate, as it would from crates.io: from a fresh
# clone of HEAD (what is committed, nothing else of this checkout),
#   1. cargo package --no-verify -p sidecar-injector -p sidecar-e2e-core -p sidecar-e2e-runner
#      -p sidecar-e2e (cargo packages the workspace members together)
#   2. cargo vendor: every crates.io dependency, into a directory source
#   3. the four packages added to that directory, each with its .crate's sha256 (what the packaged
#      Cargo.lock records for it, as it would for a published crate)
#   4. cargo install --locked --path <the unpacked sidecar-e2e package>, with crates.io replaced by
#      that directory (`--config source.crates-io.replace-with`): the unpublished core, runner and
#      injector come from their packages, never from this checkout
#   5. the installed binary runs: --version, plan (the embedded minors table, profiles and
#      scenarios), kind-config
# Slow (a release build from nothing: about 15-25 minutes on 2 cores), so CI runs the cheap half,
# harness/tests/package_contents.rs (every embedded file is in its crate's package). Needs git,
# cargo and crates.io (or a warm ~/.cargo/registry). Exit 0 when the binary installs and runs.
#
#   scripts/check-package.sh            # the work directory is removed afterwards
#   KEEP=1 scripts/check-package.sh     # ... and kept (it names it)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

packages=(sidecar-injector sidecar-e2e-core sidecar-e2e-runner sidecar-e2e)
work=$(mktemp -d "${TMPDIR:-/tmp}/sidecar-e2e-package.XXXXXX")
if [ -z "${KEEP:-}" ]; then
  trap 'rm -rf "$work"' EXIT
fi
started=$(date +%s)
stage() { say "$1 ($(($(date +%s) - started))s)"; }

stage "cloning HEAD ($(git rev-parse --short HEAD)) into $work/clone"
git clone --quiet --no-local . "$work/clone"
cd "$work/clone"
export CARGO_TARGET_DIR="$work/target"

stage "cargo package ${packages[*]}"
package_args=()
for package in "${packages[@]}"; do package_args+=(-p "$package"); done
cargo package --locked --no-verify "${package_args[@]}" >&2
# The workspace's one version ([workspace.package] version = "X.Y.Z").
version=$(sed -n '/^\[workspace\.package\]/,/^\[/s/^version = "\([^"]*\)"$/\1/p' Cargo.toml)
[ -n "$version" ] || die "no [workspace.package] version in Cargo.toml"

stage "cargo vendor (the crates.io dependencies)"
vendor="$work/vendor"
cargo vendor --locked --versioned-dirs --quiet "$vendor" >/dev/null

stage "adding the packages to the vendored source"
for package in "${packages[@]}"; do
  crate="$CARGO_TARGET_DIR/package/$package-$version.crate"
  [ -f "$crate" ] || die "cargo package wrote no $crate"
  tar -xzf "$crate" -C "$vendor"
  sum=$(sha256sum "$crate" | cut -d' ' -f1)
  printf '{"files":{},"package":"%s"}\n' "$sum" >"$vendor/$package-$version/.cargo-checksum.json"
done
install_from="$work/install"
mkdir -p "$install_from"
tar -xzf "$CARGO_TARGET_DIR/package/sidecar-e2e-$version.crate" -C "$install_from"
cd "$install_from/sidecar-e2e-$version"

stage "cargo install --locked --path $PWD (crates.io replaced by the vendored packages)"
cargo install --locked --path . --root "$work/root" \
  --config "source.crates-io.replace-with = \"packaged\"" \
  --config "source.packaged.directory = \"$vendor\"" >&2

stage "running the installed binary"
bin="$work/root/bin/sidecar-e2e"
"$bin" --version
"$bin" plan --k8s 1.28,1.33,1.37 --gate on --injector builtin,istio@1.30 >/dev/null
"$bin" kind-config --k8s 1.32 --gate off >/dev/null
stage "sidecar-e2e $version installs from its packaged crate and runs${KEEP:+ (kept in $work)}"
