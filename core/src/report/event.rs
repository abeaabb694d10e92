//! The one stream every sink reads: what happened, in order. `verify` sends a
//! [`ReportEvent::CellJudged`] per recording, then [`ReportEvent::RunFinished`]; `run` sends the
//! same, plus a [`ReportEvent::CellBroken`] for each cell that could not be set up (its cluster
//! or injector never came up), so no report shows such a cell as passed.

use serde::Serialize;

use crate::verdict::{CheckStatus, Verdict};

/// One thing that happened.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum ReportEvent<'a> {
    /// A cell's recording was judged.
    CellJudged {
        /// The verdict.
        verdict: &'a Verdict,
    },
    /// A cell could not be set up: nothing was proven there.
    CellBroken {
        /// The cell and what broke.
        broken: &'a BrokenCell,
    },
    /// Every cell is done; nothing follows.
    RunFinished {
        /// Counts over every check of every cell.
        summary: &'a RunSummary,
    },
}

/// A cell whose setup failed, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BrokenCell {
    /// The cell's slug.
    pub cell: String,
    /// Each failure: the phase and its error chain.
    pub failures: Vec<String>,
}

/// How many checks came out which way, over a whole run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    /// Cells judged.
    pub cells: usize,
    /// Checks that met their expectation.
    pub passed: usize,
    /// Checks that did not.
    pub failed: usize,
    /// Checks with nothing asserted in their cell.
    pub not_applicable: usize,
    /// Checks that showed the known bug their cell expects.
    #[serde(skip_serializing_if = "is_zero")]
    pub known_bugs: usize,
    /// Of those, the bugs open upstream: no released patch has their fix.
    #[serde(skip_serializing_if = "is_zero")]
    pub open_upstream: usize,
    /// Checks a harness fault left undecided: nothing said about the product.
    #[serde(skip_serializing_if = "is_zero")]
    pub harness_faults: usize,
    /// Cells that could not be set up (only `run` has them).
    #[serde(skip_serializing_if = "is_zero")]
    pub broken: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl RunSummary {
    /// Counts the checks of one verdict.
    pub fn add(&mut self, verdict: &Verdict) {
        self.cells += 1;
        for result in verdict.scenarios.iter().flat_map(|s| &s.results) {
            match result.status {
                CheckStatus::Pass => self.passed += 1,
                CheckStatus::Fail => self.failed += 1,
                CheckStatus::NotApplicable => self.not_applicable += 1,
                CheckStatus::KnownBug => {
                    self.known_bugs += 1;
                    if result
                        .check
                        .known_bug()
                        .is_some_and(|b| b.is_open_upstream())
                    {
                        self.open_upstream += 1;
                    }
                }
                CheckStatus::HarnessFault => self.harness_faults += 1,
            }
        }
    }

    /// Whether every check met its expectation, none was left undecided and every cell was set
    /// up.
    pub fn succeeded(&self) -> bool {
        self.failed == 0 && self.broken == 0 && self.harness_faults == 0
    }
}
