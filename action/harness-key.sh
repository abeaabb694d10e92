#!/usr/bin/env bash
# Step `harness-key` of action.yml: decides where sidecar-e2e comes from and the cache key of the
# installed binary, before the cache is restored (step `harness-cache`).
#
#   release  the release binaries of the action's version (the workspace version in Cargo.toml,
#            tag v<version>), from the action's repository's GitHub release. `auto` picks it when
#            the action is used at a version tag (@v1, @v1.2, @v1.2.3).
#   source   `cargo install --locked` of the action's own harness crate (its checkout is
#            $GITHUB_ACTION_PATH). `auto` picks it otherwise: a branch, a commit, or `uses: ./`
#            (so a pull request tests its own code).
#
# Reads HARNESS (auto|release|source), ACTION_REF and ACTION_REPOSITORY (github.action_ref and
# github.action_repository, passed through `env:`: a composite action's run steps do not get them
# as GITHUB_ACTION_REF/_REPOSITORY, actions/runner#2473). Outputs: from, version, target, key, dir.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_env GITHUB_OUTPUT GITHUB_ACTION_PATH RUNNER_TEMP

harness=${HARNESS:-auto}
ref=${ACTION_REF:-}
repository=${ACTION_REPOSITORY:-}
manifest="$GITHUB_ACTION_PATH/Cargo.toml"
[ -f "$manifest" ] || fail "$manifest is missing: GITHUB_ACTION_PATH must be the action's checkout"
# The workspace's one version ([workspace.package] version = "X.Y.Z").
version=$(sed -n '/^\[workspace\.package\]/,/^\[/s/^version = "\([^"]*\)"$/\1/p' "$manifest")
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]] || fail "no [workspace.package] version in $manifest"
target=$(rust_target)

from=$harness
if [ "$harness" = auto ]; then
  if [[ "$ref" =~ ^v[0-9]+(\.[0-9]+){0,2}$ ]] && [ -n "$repository" ]; then
    from=release
  else
    from=source
  fi
fi
if [ "$from" = release ] && [ -z "$repository" ]; then
  bad_input harness "release needs the action's repository (github.action_repository is empty, as for \`uses: ./\`); use source"
fi

case "$from" in
  release)
    key="sidecar-e2e-release-v$version-$target"
    ;;
  source)
    command -v rustc >/dev/null || fail "building sidecar-e2e from source needs Rust (rustup and cargo are on GitHub's runners; elsewhere install them)"
    # The compiler and every file the binary is built from: a change to either builds anew.
    rustc=$(rustc -V | cut -d' ' -f2,3 | tr -d '(' | tr ' ' '-')
    sources=$(
      cd "$GITHUB_ACTION_PATH"
      find Cargo.toml Cargo.lock core runner harness injector -type f \
        -not -path '*/tests/*' -not -path '*/testdata/*' -not -path '*/benches/*' -print0 \
        | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16
    )
    key="sidecar-e2e-source-v$version-$target-$rustc-$sources"
    ;;
esac

output from "$from"
output version "$version"
output target "$target"
output key "$key"
output dir "$RUNNER_TEMP/sidecar-e2e-harness/$key"
say "sidecar-e2e $version for $target from $from (cache key $key)"
