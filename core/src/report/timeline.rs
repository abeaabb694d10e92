//! `timeline.html`: the drawn container timelines ([`crate::views::timeline_page`]) of the
//! recordings a run or `verify` read. Verdicts do not carry the pods' states, so this sink is
//! handed the recordings when it is made and writes the page when the run finishes, with the
//! other reports.

use super::event::ReportEvent;
use super::sink::{ReportError, Sink, write_text};
use crate::recording::Recording;
use crate::views::timeline_page::timeline_html;

/// Writes [`timeline_html`] of its recordings when the run finishes.
pub struct TimelineSink<W> {
    out: W,
    target: String,
    recordings: Vec<Recording>,
}

impl<W: std::io::Write> TimelineSink<W> {
    /// A sink writing the page of `recordings` to `out`; `target` names it in errors.
    pub fn new(out: W, target: impl Into<String>, recordings: Vec<Recording>) -> Self {
        TimelineSink {
            out,
            target: target.into(),
            recordings,
        }
    }
}

impl<W: std::io::Write> Sink for TimelineSink<W> {
    fn event(&mut self, event: &ReportEvent<'_>) -> Result<(), ReportError> {
        match event {
            ReportEvent::RunFinished { .. } => write_text(
                &mut self.out,
                &self.target,
                &timeline_html(&self.recordings),
                true,
            ),
            ReportEvent::CellJudged { .. } | ReportEvent::CellBroken { .. } => Ok(()),
        }
    }
}
