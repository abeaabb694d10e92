//! The verdicts as JSON, for tools: every check with its status and evidence, and the run's
//! summary. (The recording itself is the other JSON a run leaves.)

use serde::Serialize;

use super::event::{ReportEvent, RunSummary};
use super::sink::{ReportError, Sink, write_text};
use crate::verdict::Verdict;

#[derive(Serialize)]
struct JsonReport<'a> {
    summary: &'a RunSummary,
    verdicts: &'a [Verdict],
}

/// The report as pretty JSON: `{"summary": {...}, "verdicts": [...]}`.
///
/// # Errors
/// serde_json's, which a [`Verdict`] does not give (kept for honesty).
pub fn json_report(verdicts: &[Verdict], summary: &RunSummary) -> serde_json::Result<String> {
    serde_json::to_string_pretty(&JsonReport { summary, verdicts }).map(|json| json + "\n")
}

/// Writes [`json_report`] when the run finishes.
pub struct JsonSink<W> {
    out: W,
    target: String,
    verdicts: Vec<Verdict>,
}

impl<W: std::io::Write> JsonSink<W> {
    /// A sink writing to `out`; `target` names it in errors.
    pub fn new(out: W, target: impl Into<String>) -> Self {
        JsonSink {
            out,
            target: target.into(),
            verdicts: Vec::new(),
        }
    }
}

impl<W: std::io::Write> Sink for JsonSink<W> {
    fn event(&mut self, event: &ReportEvent<'_>) -> Result<(), ReportError> {
        match event {
            ReportEvent::CellJudged { verdict } => self.verdicts.push((*verdict).clone()),
            ReportEvent::RunFinished { summary } => {
                let json = json_report(&self.verdicts, summary).map_err(|source| {
                    ReportError::Serialise {
                        target: self.target.clone(),
                        source: Box::new(source),
                    }
                })?;
                write_text(&mut self.out, &self.target, &json, true)?;
            }
        }
        Ok(())
    }
}
