# shellcheck shell=bash
# What the action's step scripts share (action/*.sh source it; it is not run). Each step reads
# its inputs from environment variables action.yml sets (never `${{ }}` inside a script), writes
# its outputs to $GITHUB_OUTPUT, and adds to PATH through $GITHUB_PATH, as a runner expects.
# Errors are workflow commands (`::error title=…::…`): an annotation on GitHub, a plain line in a
# terminal. A bad input exits 2 and names the input; any other failure exits 1.

STEP_NAME="sidecar-e2e $(basename "$0" .sh)"

# Escapes a message for a workflow command's data: `%`, CR and LF (GitHub's own escaping), so an
# input's value cannot start a command of its own.
escape_data() {
  local text=$1
  text=${text//'%'/'%25'}
  text=${text//$'\r'/'%0D'}
  text=${text//$'\n'/'%0A'}
  printf '%s' "$text"
}

say() { echo "$STEP_NAME: $*" >&2; }

# Fails the step (exit 1) with an error annotation.
fail() {
  echo "::error title=$STEP_NAME::$(escape_data "$*")" >&2
  exit 1
}

# Fails the step for a bad input (exit 2): `bad_input NAME MESSAGE`.
bad_input() {
  local name=$1
  shift
  echo "::error title=sidecar-e2e input $name::$(escape_data "input \`$name\`: $*")" >&2
  exit 2
}

# Dies unless each named variable is set: what a runner sets for every step.
require_env() {
  local name
  for name in "$@"; do
    [ -n "${!name:-}" ] || fail "$name is not set: run this script as a step of action.yml (a runner sets it), or set it as a runner would"
  done
}

# `output NAME VALUE`: one step output. Values are one line (every output here is).
output() {
  case "$2" in
    *$'\n'* | *$'\r'*) fail "output $1 would span lines: $2" ;;
  esac
  printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
}

# `add_path DIR`: DIR goes first on PATH for this step and every later one ($GITHUB_PATH).
add_path() {
  echo "$1" >>"$GITHUB_PATH"
  PATH="$1:$PATH"
}

# The runner's platform as Rust targets (release assets) name it.
rust_target() {
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) echo x86_64-unknown-linux-gnu ;;
    Linux-aarch64 | Linux-arm64) echo aarch64-unknown-linux-gnu ;;
    *) fail "runs on Linux x86-64 and arm64 runners; this one is $(uname -s) $(uname -m)" ;;
  esac
}

# The runner's platform as Docker and Istio's release assets name it.
docker_arch() {
  case "$(uname -m)" in
    x86_64) echo amd64 ;;
    aarch64 | arm64) echo arm64 ;;
    *) fail "no Docker platform for $(uname -m)" ;;
  esac
}

# `download URL FILE`: an HTTPS download that fails on an HTTP error.
download() {
  curl --proto '=https' --tlsv1.2 -fsSL --retry 3 -o "$2" "$1"
}
