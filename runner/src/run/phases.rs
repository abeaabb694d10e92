//! A cell's phases, timed and told to progress as they run; a phase that fails is a setup
//! failure of the cell (never a verdict).

use std::future::Future;
use std::time::Instant;

use super::outcome::{CellOutcome, SetupFailure};
use super::{Phase, Progress, ProgressEvent};

/// An error of any phase, as the cell keeps it.
pub(super) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Times phases, tells progress about them and gathers the cell's outcome.
pub(super) struct Phases<'a> {
    pub(super) slug: String,
    progress: &'a Progress,
    pub(super) outcome: CellOutcome,
}

impl<'a> Phases<'a> {
    pub(super) fn new(slug: String, progress: &'a Progress, outcome: CellOutcome) -> Self {
        Phases {
            slug,
            progress,
            outcome,
        }
    }

    /// Runs `work` as `phase`: its time is kept, its error (if any) becomes a setup failure.
    pub(super) async fn run<T, E: Into<BoxError>>(
        &mut self,
        phase: Phase,
        work: impl Future<Output = Result<T, E>>,
    ) -> Option<T> {
        (self.progress)(ProgressEvent::Started {
            cell: self.slug.clone(),
            phase,
        });
        let started = Instant::now();
        let result = work.await.map_err(Into::into);
        let took = started.elapsed();
        self.outcome.timings.push((phase, took));
        let error = result
            .as_ref()
            .err()
            .map(|e: &BoxError| sidecar_e2e_core::error_chain::error_chain(e.as_ref()));
        (self.progress)(ProgressEvent::Finished {
            cell: self.slug.clone(),
            phase,
            took,
            error: error.clone(),
        });
        if let Some(message) = error {
            self.fail(phase, message);
        }
        result.ok()
    }

    /// Notes a setup failure of `phase` that no work returned.
    pub(super) fn fail(&mut self, phase: Phase, message: String) {
        self.outcome.setup_failures.push(SetupFailure {
            phase,
            scenario: None,
            message,
        });
    }

    /// A free-form line for progress (a kept cluster, a note).
    pub(super) fn note(&self, text: String) {
        (self.progress)(ProgressEvent::Note {
            cell: self.slug.clone(),
            text,
        });
    }

    /// Tells progress the cell is done.
    pub(super) fn finished(&self) {
        (self.progress)(ProgressEvent::CellFinished {
            cell: self.slug.clone(),
            passed: self.outcome.passed(),
        });
    }
}
