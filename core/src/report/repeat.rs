//! `run --repeat N`: the same matrix run N times, and per check how many runs met its
//! expectation. Flakiness becomes a number: `5/5` is solid, `4/5` names the run that did not.

use crate::verdict::{CheckStatus, Verdict};

/// One check across the runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckTally {
    /// The cell's slug.
    pub cell: String,
    /// The scenario.
    pub scenario: String,
    /// The check's name.
    pub check: String,
    /// Runs (1-based) where it met its expectation (pass, or n/a where nothing is asserted).
    pub agreed: Vec<usize>,
    /// Runs where it failed.
    pub failed: Vec<usize>,
    /// Runs where a harness fault left it undecided.
    pub harness_faults: Vec<usize>,
    /// Runs where it was not decided at all (the cell or scenario broke, or it was missing).
    pub missing: Vec<usize>,
}

/// Tallies every check of every run; `runs[i]` holds run `i + 1`'s verdicts. Checks are listed
/// in the order they first appear.
pub fn tally(runs: &[Vec<Verdict>]) -> Vec<CheckTally> {
    let mut tallies: Vec<CheckTally> = Vec::new();
    for verdicts in runs {
        for verdict in verdicts {
            for scenario in &verdict.scenarios {
                for result in &scenario.results {
                    let key = (
                        verdict.cell.slug(),
                        scenario.scenario.to_string(),
                        result.check.name().to_owned(),
                    );
                    if !tallies
                        .iter()
                        .any(|t| (&t.cell, &t.scenario, &t.check) == (&key.0, &key.1, &key.2))
                    {
                        tallies.push(CheckTally {
                            cell: key.0,
                            scenario: key.1,
                            check: key.2,
                            agreed: Vec::new(),
                            failed: Vec::new(),
                            harness_faults: Vec::new(),
                            missing: Vec::new(),
                        });
                    }
                }
            }
        }
    }
    for tally in &mut tallies {
        for (i, verdicts) in runs.iter().enumerate() {
            let run = i + 1;
            let status = verdicts
                .iter()
                .filter(|v| v.cell.slug() == tally.cell)
                .flat_map(|v| &v.scenarios)
                .filter(|s| s.scenario.to_string() == tally.scenario)
                .flat_map(|s| &s.results)
                .find(|r| r.check.name() == tally.check)
                .map(|r| r.status);
            match status {
                Some(CheckStatus::Fail) => tally.failed.push(run),
                Some(CheckStatus::HarnessFault) => tally.harness_faults.push(run),
                Some(CheckStatus::Pass | CheckStatus::NotApplicable | CheckStatus::KnownBug) => {
                    tally.agreed.push(run);
                }
                None => tally.missing.push(run),
            }
        }
    }
    tallies
}

/// The tally as Markdown: a headline, then one row per check, the unsteady ones first.
pub fn repeat_markdown(runs: &[Vec<Verdict>]) -> String {
    let total = runs.len();
    let mut tallies = tally(runs);
    let steady = tallies.iter().filter(|t| t.agreed.len() == total).count();
    tallies.sort_by_key(|t| t.agreed.len() == total);
    let list = |runs: &[usize]| {
        runs.iter()
            .map(|r| format!("#{r}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut out = format!(
        "# Repeated {total} times: {steady} of {} checks agreed in every run\n\n",
        tallies.len()
    );
    out.push_str(
        "| cell | scenario | check | agreed | failed in | harness fault in | not decided in |\n",
    );
    out.push_str("|---|---|---|---|---|---|---|\n");
    for t in &tallies {
        out.push_str(&format!(
            "| {} | {} | {} | {}/{total} | {} | {} | {} |\n",
            t.cell,
            t.scenario,
            t.check,
            t.agreed.len(),
            list(&t.failed),
            list(&t.harness_faults),
            list(&t.missing)
        ));
    }
    out
}
