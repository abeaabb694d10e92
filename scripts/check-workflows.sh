#!/usr/bin/env bash
# Checks the GitHub Actions files offline: every workflow in .github/workflows/, the composite
# action (action.yml) and .github/dependabot.yml when there is one.
#   check-jsonschema --builtin-schema vendor.github-workflows   each workflow is valid (schemas
#                    --builtin-schema vendor.github-actions     vendored in the wheel); action.yml
#                    --builtin-schema vendor.dependabot         and dependabot.yml likewise
#   actionlint                                                  each workflow: expressions, contexts,
#                                                              `needs`, matrix values, the inputs of
#                                                              the local action (`uses: ./`), and
#                                                              ShellCheck on every `run:` script
#   zizmor --offline                                            no security finding in the workflows
#                                                              or the action (unpinned or mutable
#                                                              actions, template injection,
#                                                              credentials left in the checkout,
#                                                              excessive permissions, cache
#                                                              poisoning, ...)
# The tools are pinned and cached (scripts/lint-tools.sh); no network once installed. The
# action's own scripts (action/*.sh) are checked with every other script by scripts/check-shell.sh.
# Exit 0 when every check passes on every file, 1 on an error or finding, 2 when the tools cannot
# be installed.
#
#   scripts/check-workflows.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DIE_STATUS=2
source scripts/lint-tools.sh
ensure_lint_venv
ensure_actionlint

shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
[ ${#workflows[@]} -gt 0 ] || die "no workflows in .github/workflows"
[ -f action.yml ] || die "no action.yml at the repository's root"
actions=(action.yml)

status=0
say "check-jsonschema $CHECK_JSONSCHEMA_VERSION: ${workflows[*]} ${actions[*]}"
"$LINT_VENV/bin/check-jsonschema" --builtin-schema vendor.github-workflows "${workflows[@]}" || status=1
"$LINT_VENV/bin/check-jsonschema" --builtin-schema vendor.github-actions "${actions[@]}" || status=1
dependabot=()
if [ -f .github/dependabot.yml ]; then
  dependabot=(.github/dependabot.yml)
  say "check-jsonschema $CHECK_JSONSCHEMA_VERSION: ${dependabot[*]}"
  "$LINT_VENV/bin/check-jsonschema" --builtin-schema vendor.dependabot "${dependabot[@]}" || status=1
fi

# actionlint lints workflows (it reads action.yml for the inputs of `uses: ./`); -shellcheck
# names the pinned ShellCheck, so `run:` scripts are checked with the same version as the
# repository's scripts. Exit 1 with findings.
say "actionlint $ACTIONLINT_VERSION: ${workflows[*]}"
"$ACTIONLINT" -shellcheck "$LINT_VENV/bin/shellcheck" "${workflows[@]}" || status=1

# --offline: no GitHub API calls and no remote inputs (the online audits resolve refs and look up
# advisories); every audit that reads the files still runs, at the default (regular) persona.
# zizmor exits 0 with no finding, 1 on an error of its own, 10-14 with findings (14: the highest
# is "high"). A finding is fixed in the file; an ignore comment needs a comment saying why.
say "zizmor $ZIZMOR_VERSION --offline: ${workflows[*]} ${actions[*]} ${dependabot[*]}"
zizmor_status=0
"$LINT_VENV/bin/zizmor" --offline "${workflows[@]}" "${actions[@]}" "${dependabot[@]}" || zizmor_status=$?
case "$zizmor_status" in
  0) ;;
  1[0-4]) say "error: zizmor reported findings (exit $zizmor_status)"; status=1 ;;
  *) say "error: zizmor failed (exit $zizmor_status)"; status=1 ;;
esac

if [ "$status" -eq 0 ]; then
  say "${#workflows[@]} workflows and ${#actions[@]} action valid; no actionlint or zizmor findings"
fi
exit "$status"
