//! Reports of verdicts: a terminal table, JUnit XML (one testcase per cell × scenario) and
//! Markdown for `$GITHUB_STEP_SUMMARY`. The JSON recording itself is the fourth.

mod junit;
mod markdown;
mod terminal;

pub use junit::{JunitError, junit_xml};
pub use markdown::markdown;
pub use terminal::{Colour, terminal_table};

use crate::verdict::{CheckResult, Outcome, ScenarioVerdict};

/// The failed checks of a scenario, each with its evidence, as plain text.
fn failure_text(scenario: &ScenarioVerdict) -> String {
    scenario
        .results
        .iter()
        .filter(|r| r.outcome == Outcome::Fail)
        .map(describe_result)
        .collect::<Vec<_>>()
        .join("\n")
}

fn describe_result(result: &CheckResult) -> String {
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

fn outcome_word(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "pass",
        Outcome::Fail => "FAIL",
        Outcome::NotApplicable => "n/a",
    }
}
