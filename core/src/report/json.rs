//! The verdicts as JSON, for tools: every check with its status and evidence, and the run's
//! summary. (The recording itself is the other JSON a run leaves.)

use serde::Serialize;

use super::event::{BrokenCell, ReportEvent, RunSummary};
use super::sink::{ReportError, Sink, write_text};
use crate::verdict::Verdict;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonReport<'a> {
    summary: &'a RunSummary,
    verdicts: &'a [Verdict],
    #[serde(skip_serializing_if = "<[BrokenCell]>::is_empty")]
    broken_cells: &'a [BrokenCell],
}

/// The report as pretty JSON: `{"summary": {...}, "verdicts": [...]}`.
///
/// # Errors
/// serde_json's, which a [`Verdict`] does not give (kept for honesty).
pub fn json_report(verdicts: &[Verdict], summary: &RunSummary) -> serde_json::Result<String> {
    json_report_with_broken(verdicts, &[], summary)
}

/// [`json_report`] with the cells that could not be set up (`brokenCells`).
///
/// # Errors
/// As [`json_report`].
pub fn json_report_with_broken(
    verdicts: &[Verdict],
    broken_cells: &[BrokenCell],
    summary: &RunSummary,
) -> serde_json::Result<String> {
    serde_json::to_string_pretty(&JsonReport {
        summary,
        verdicts,
        broken_cells,
    })
    .map(|json| json + "\n")
}

/// Writes [`json_report`] when the run finishes.
pub struct JsonSink<W> {
    out: W,
    target: String,
    verdicts: Vec<Verdict>,
    broken: Vec<BrokenCell>,
}

impl<W: std::io::Write> JsonSink<W> {
    /// A sink writing to `out`; `target` names it in errors.
    pub fn new(out: W, target: impl Into<String>) -> Self {
        JsonSink {
            out,
            target: target.into(),
            verdicts: Vec::new(),
            broken: Vec::new(),
        }
    }
}

impl<W: std::io::Write> Sink for JsonSink<W> {
    fn event(&mut self, event: &ReportEvent<'_>) -> Result<(), ReportError> {
        match event {
            ReportEvent::CellJudged { verdict } => self.verdicts.push((*verdict).clone()),
            ReportEvent::CellBroken { broken } => self.broken.push((*broken).clone()),
            ReportEvent::RunFinished { summary } => {
                let json = json_report_with_broken(&self.verdicts, &self.broken, summary).map_err(
                    |source| ReportError::Serialise {
                        target: self.target.clone(),
                        source: Box::new(source),
                    },
                )?;
                write_text(&mut self.out, &self.target, &json, true)?;
            }
        }
        Ok(())
    }
}
