#!/usr/bin/env bash
# Step `harness` of action.yml: puts sidecar-e2e in $DIR/bin and on PATH. A binary already there
# (restored from the cache by step `harness-cache`) is used as it is; otherwise:
#   release  downloads sidecar-e2e-v<version>-<target>.tar.gz and sidecar-injector-… (the builtin
#            injector's image is built from it) from the release v<version> of ACTION_REPOSITORY,
#            each checked against the release's SHA256SUMS (that catches a corrupt download, not a
#            replaced release: the pin is the action's ref)
#   source   cargo install --locked --path "$GITHUB_ACTION_PATH/harness" --root "$DIR"
#
# Reads FROM, VERSION, TARGET, DIR (step `harness-key`'s outputs) and ACTION_REPOSITORY.
# Outputs: path (the binary), dir.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require_env GITHUB_OUTPUT GITHUB_PATH GITHUB_ACTION_PATH FROM VERSION TARGET DIR

bin="$DIR/bin/sidecar-e2e"
if [ -x "$bin" ]; then
  say "using the cached $bin"
else
  case "$FROM" in
    release)
      require_env ACTION_REPOSITORY
      base="https://github.com/$ACTION_REPOSITORY/releases/download/v$VERSION"
      fetched=$(mktemp -d)
      download "$base/SHA256SUMS" "$fetched/SHA256SUMS" || fail "no SHA256SUMS in release v$VERSION of $ACTION_REPOSITORY ($base): is v$VERSION released? (harness: source builds it instead)"
      mkdir -p "$DIR/bin"
      for name in sidecar-e2e sidecar-injector; do
        asset="$name-v$VERSION-$TARGET.tar.gz"
        download "$base/$asset" "$fetched/$asset" || fail "could not download $base/$asset"
        (cd "$fetched" && grep -E "^[0-9a-f]{64}  $asset\$" SHA256SUMS | sha256sum -c --quiet -) \
          || fail "$asset does not match the release's SHA256SUMS (or is not listed in it)"
        tar -xzf "$fetched/$asset" -C "$DIR/bin" "$name"
      done
      rm -rf "$fetched"
      ;;
    source)
      command -v cargo >/dev/null || fail "building sidecar-e2e from source needs cargo"
      say "building sidecar-e2e $VERSION from $GITHUB_ACTION_PATH (cargo install --locked)"
      cargo install --locked --path "$GITHUB_ACTION_PATH/harness" --root "$DIR" --bin sidecar-e2e \
        || fail "cargo install of $GITHUB_ACTION_PATH/harness failed"
      ;;
    *) fail "FROM is $FROM, not release or source" ;;
  esac
fi

reported=$("$bin" --version) || fail "$bin does not run"
[ "$reported" = "sidecar-e2e $VERSION" ] || fail "$bin reports \"$reported\", not sidecar-e2e $VERSION"
add_path "$DIR/bin"
output path "$bin"
output dir "$DIR"
say "$reported at $bin"
