# shellcheck shell=bash
# What every script of this repository shares (scripts/*.sh and images/*.sh source it; it is not
# run). Messages go to stderr prefixed with the script's name; `die` exits with DIE_STATUS (1
# unless the script set another before sourcing this).
#
# Decisions about versions, gates, minors or Istio settings are not made here: scripts ask the
# binary (`sidecar-e2e ...`) for those.

SCRIPT_NAME="${SCRIPT_NAME:-$(basename "$0" .sh)}"
DIE_STATUS="${DIE_STATUS:-1}"

say() { echo "$SCRIPT_NAME: $*" >&2; }

die() {
  echo "$SCRIPT_NAME: error: $*" >&2
  exit "$DIE_STATUS"
}

# Where built binaries, stamps, logs and tool venvs are cached across runs and clones.
# shellcheck disable=SC2034 # read by the scripts that source this file
SIDECAR_E2E_CACHE_DIR="${SIDECAR_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sidecar-e2e}"

# Runs its arguments as root (directly when already root).
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Whether a Docker daemon answers.
docker_answers() { docker info >/dev/null 2>&1; }

# Dies unless a Docker daemon answers, naming the script that starts one.
require_docker() {
  command -v docker >/dev/null 2>&1 || die "docker is missing: scripts/docker-up.sh installs Debian's docker.io"
  docker_answers || die "no Docker daemon answers: run scripts/docker-up.sh"
}
