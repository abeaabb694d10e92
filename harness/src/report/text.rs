//! Plain-text pieces the renderers share: a failed check with its evidence, outcome words.

use crate::verdict::{CheckResult, Outcome, ScenarioVerdict};

/// The failed checks of a scenario, each with its evidence, as plain text.
pub(super) fn failure_text(scenario: &ScenarioVerdict) -> String {
    scenario
        .results
        .iter()
        .filter(|r| r.outcome == Outcome::Fail)
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

/// `pass`, `FAIL` or `n/a`.
pub(super) fn outcome_word(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "pass",
        Outcome::Fail => "FAIL",
        Outcome::NotApplicable => "n/a",
    }
}
