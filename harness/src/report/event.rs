//! The one stream every sink reads: what happened, in order. `verify` sends a
//! [`ReportEvent::CellJudged`] per recording, then [`ReportEvent::RunFinished`]; `run` will add
//! its phases (cluster up, install, each scenario) in front, and every sink that does not care
//! about an event ignores it.

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
    /// Every cell is done; nothing follows.
    RunFinished {
        /// Counts over every check of every cell.
        summary: &'a RunSummary,
    },
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
            }
        }
    }

    /// Whether every check met its expectation.
    pub fn succeeded(&self) -> bool {
        self.failed == 0
    }
}
