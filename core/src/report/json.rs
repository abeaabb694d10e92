//! The verdicts as JSON, for tools: every check with its status and evidence, and the run's
//! summary. (The recording itself is the other JSON a run leaves.)

use serde::Serialize;

use super::event::{BrokenCell, RunSummary};
use super::sink::{BufferedSink, EndReport, Kept};
use crate::verdict::Verdict;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonDocument<'a> {
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
    serde_json::to_string_pretty(&JsonDocument {
        summary,
        verdicts,
        broken_cells,
    })
    .map(|json| json + "\n")
}

/// The verdicts as JSON, rendered at the end ([`json_report_with_broken`]).
#[derive(Debug, Default)]
pub struct JsonReport;

impl EndReport for JsonReport {
    fn render(
        &self,
        kept: &Kept,
        summary: &RunSummary,
    ) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
        Ok(json_report_with_broken(
            &kept.verdicts,
            &kept.broken,
            summary,
        )?)
    }
}

/// Writes [`json_report`] when the run finishes.
pub type JsonSink<W> = BufferedSink<W, JsonReport>;

impl<W: std::io::Write> BufferedSink<W, JsonReport> {
    /// A sink writing to `out`; `target` names it in errors.
    pub fn new(out: W, target: impl Into<String>) -> Self {
        Self::with_report(out, target, JsonReport)
    }
}
