//! How a cell ended: its recording and verdict, or the phases that failed. The phases, the
//! scenarios and the cell all speak these types, so they live apart from each.

use std::fmt::Display;
use std::path::Path;
use std::time::Duration;

use sidecar_e2e_core::plan::{Cell, PlannedCell};
use sidecar_e2e_core::recording::Recording;
use sidecar_e2e_core::scenario::Scenario;
use sidecar_e2e_core::verdict::{Verdict, judge};

use super::Phase;
use super::artifacts::{cell_dir, write_recordings};

/// A phase (or one scenario's setup) that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupFailure {
    /// The phase.
    pub phase: Phase,
    /// The scenario, when one scenario's setup failed.
    pub scenario: Option<Scenario>,
    /// What went wrong, with causes.
    pub message: String,
}

impl Display for SetupFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.scenario {
            Some(scenario) => write!(f, "{} ({scenario}): {}", self.phase.name(), self.message),
            None => write!(f, "{}: {}", self.phase.name(), self.message),
        }
    }
}

/// How one cell ended.
#[derive(Debug, Clone)]
pub struct CellOutcome {
    /// The cell.
    pub cell: Cell,
    /// The cell's slug.
    pub slug: String,
    /// What was recorded (scenarios whose setup failed are missing).
    pub recording: Option<Recording>,
    /// The verdict of what was recorded.
    pub verdict: Option<Verdict>,
    /// Phases that failed.
    pub setup_failures: Vec<SetupFailure>,
    /// How long each phase took.
    pub timings: Vec<(Phase, Duration)>,
    /// When the cell's cluster or namespaces were kept: how to inspect and remove them.
    pub kept: Option<String>,
    /// The slug of the cell whose cluster and recording this cell's result comes from, when
    /// both boot the same cluster (1.33+: gate on and default); `None` when it ran itself.
    pub same_cluster_as: Option<String>,
}

impl CellOutcome {
    /// Nothing broke, and every check that ran met its expectation (`cluster up` runs none).
    pub fn passed(&self) -> bool {
        self.setup_failures.is_empty() && self.verdict.as_ref().is_none_or(Verdict::passed)
    }

    /// This outcome reported under `other`, a cell that boots the same cluster and runs the
    /// same thing: its recording relabelled and judged as `other` (so the plan's expectations
    /// for that cell are the ones checked), written to `other`'s own artifacts directory.
    pub fn stand_in_for(&self, other: &PlannedCell, artifacts: &Path) -> CellOutcome {
        let slug = other.cell.slug();
        let mut outcome = CellOutcome {
            cell: other.cell,
            slug: slug.clone(),
            recording: None,
            verdict: None,
            setup_failures: self.setup_failures.clone(),
            timings: self.timings.clone(),
            kept: None,
            same_cluster_as: Some(self.slug.clone()),
        };
        if let Some(recording) = &self.recording {
            let mut recording = recording.clone();
            recording.cell = other.cell;
            if let Err(err) = write_recordings(&cell_dir(artifacts, &slug), &recording) {
                outcome.setup_failures.push(SetupFailure {
                    phase: Phase::Scenarios,
                    scenario: None,
                    message: sidecar_e2e_core::error_chain::error_chain(&err),
                });
            }
            match judge(&recording) {
                Ok(verdict) => outcome.verdict = Some(verdict),
                Err(err) => outcome.setup_failures.push(SetupFailure {
                    phase: Phase::Scenarios,
                    scenario: None,
                    message: sidecar_e2e_core::error_chain::error_chain(&err),
                }),
            }
            outcome.recording = Some(recording);
        }
        outcome
    }
}
