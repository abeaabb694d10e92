//! Plain-text pieces the renderers share: a failed check with its evidence, status words.

use crate::verdict::{CheckResult, CheckStatus, ScenarioVerdict};

/// The checks of a scenario with `status`, each with its evidence, as plain text.
pub(super) fn results_text(scenario: &ScenarioVerdict, status: CheckStatus) -> String {
    scenario
        .results
        .iter()
        .filter(|r| r.status == status)
        .map(describe_result)
        .collect::<Vec<_>>()
        .join("\n")
}

/// `name: expected …` and the evidence, indented, one line each.
pub(super) fn describe_result(result: &CheckResult) -> String {
    let mut text = format!(
        "{}: expected {}",
        result.check.name(),
        result.check.describe()
    );
    for line in &result.evidence {
        text.push_str("\n    ");
        text.push_str(line);
    }
    text
}

/// `pass`, `FAIL`, `n/a`, `known bug` or `HARNESS FAULT`.
pub(super) fn status_word(status: CheckStatus) -> &'static str {
    status.word()
}

/// The known bug a result was judged against, as `kubernetes#132826 (https://…)`, when its status
/// is [`CheckStatus::KnownBug`].
pub(super) fn known_bug_reference(result: &CheckResult) -> Option<String> {
    let bug = result.check.known_bug()?;
    (result.status == CheckStatus::KnownBug).then(|| format!("{} ({})", bug.id, bug.url))
}
