#!/usr/bin/env bash
# Checks every GitHub Actions workflow in .github/workflows/ offline:
#   check-jsonschema --builtin-schema vendor.github-workflows   the file is a valid workflow
#                                                              (schema vendored in the wheel);
#                    --builtin-schema vendor.dependabot         .github/dependabot.yml likewise
#   zizmor --offline                                            no security finding (unpinned or
#                                                              mutable actions, template injection,
#                                                              credentials left in the checkout,
#                                                              excessive permissions, ...)
# Both come from PyPI, pinned, into a venv cached in ~/.cache/sidecar-e2e/venv-workflows (made
# once with python3 -m venv; reused while the pins are the same). No network once installed.
# Exit 0 when both pass on every file, 1 on a schema error or finding, 2 when the tools cannot be
# installed.
#
#   scripts/check-workflows.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DIE_STATUS=2
source scripts/lib.sh

CHECK_JSONSCHEMA_VERSION=0.39.0
ZIZMOR_VERSION=1.32.0
cache="$SIDECAR_E2E_CACHE_DIR"
venv="$cache/venv-workflows"
pins="check-jsonschema==$CHECK_JSONSCHEMA_VERSION zizmor==$ZIZMOR_VERSION"

# The venv records the pins it was made with; other pins make a new one.
if [ "$(cat "$venv/.pins" 2>/dev/null)" != "$pins" ]; then
  command -v python3 >/dev/null || die "python3 is needed to install check-jsonschema and zizmor from PyPI"
  echo "installing $pins from PyPI into $venv" >&2
  rm -rf "$venv"
  # Debian splits venv's ensurepip into python3-venv; a fresh machine gets it from apt.
  if ! python3 -c 'import ensurepip' 2>/dev/null && command -v apt-get >/dev/null; then
    echo "installing python3-venv from Debian" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null \
      || die "apt-get could not install python3-venv"
  fi
  python3 -m venv "$venv" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
  # shellcheck disable=SC2086 # $pins is two requirement words
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check $pins \
    || die "pip could not install $pins"
  echo "$pins" >"$venv/.pins"
fi

shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
[ ${#workflows[@]} -gt 0 ] || die "no workflows in .github/workflows"

status=0
echo "check-jsonschema $CHECK_JSONSCHEMA_VERSION: ${workflows[*]}" >&2
"$venv/bin/check-jsonschema" --builtin-schema vendor.github-workflows "${workflows[@]}" || status=1
dependabot=()
if [ -f .github/dependabot.yml ]; then
  dependabot=(.github/dependabot.yml)
  echo "check-jsonschema $CHECK_JSONSCHEMA_VERSION: ${dependabot[*]}" >&2
  "$venv/bin/check-jsonschema" --builtin-schema vendor.dependabot "${dependabot[@]}" || status=1
fi
# --offline: no GitHub API calls and no remote inputs (the online audits resolve refs and look up
# advisories); every audit that reads the files still runs, at the default (regular) persona.
# zizmor exits 0 with no finding, 1 on an error of its own, 10-14 with findings (14: the highest
# is "high"). A finding is fixed in the workflow; an ignore comment needs a comment saying why.
echo "zizmor $ZIZMOR_VERSION --offline: ${workflows[*]} ${dependabot[*]}" >&2
zizmor_status=0
"$venv/bin/zizmor" --offline "${workflows[@]}" "${dependabot[@]}" || zizmor_status=$?
case "$zizmor_status" in
  0) ;;
  1[0-4]) echo "error: zizmor reported findings (exit $zizmor_status)" >&2; status=1 ;;
  *) echo "error: zizmor failed (exit $zizmor_status)" >&2; status=1 ;;
esac

if [ "$status" -eq 0 ]; then
  echo "check-workflows: ${#workflows[@]} workflows valid, no zizmor findings" >&2
fi
exit "$status"
