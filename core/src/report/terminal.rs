//! The terminal table: a row per check, evidence under failures, colour only on a terminal.
//! Whatever came from a cluster or a recording is passed through [`visible`] first, so only the
//! harness's own colour codes reach the terminal.

use super::event::ReportEvent;
use super::sink::{ReportError, Sink, write_text};
use super::text::{describe_result, status_word, visible};
use crate::verdict::{CheckStatus, Verdict};

/// Whether to colour the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    /// ANSI colours (stdout is a terminal).
    Ansi,
    /// Plain text (a pipe, a file, CI logs).
    Plain,
}

fn paint(text: &str, status: CheckStatus, colour: Colour) -> String {
    let code = match status {
        CheckStatus::Pass => "32",
        CheckStatus::Fail => "1;31",
        CheckStatus::NotApplicable => "33",
        CheckStatus::KnownBug => "35",
        CheckStatus::HarnessFault => "1;36",
    };
    match colour {
        Colour::Ansi => format!("\x1b[{code}m{text}\x1b[0m"),
        Colour::Plain => text.to_owned(),
    }
}

/// Renders one verdict.
pub fn terminal_table(verdict: &Verdict, colour: Colour) -> String {
    let cell = &verdict.cell;
    let mut out = format!(
        "Kubernetes {} · gate {} · {} · asked {} → {}\n",
        cell.k8s, cell.gate, cell.injector, cell.requested_mode, verdict.effective_mode
    );
    let width = verdict
        .scenarios
        .iter()
        .flat_map(|s| s.results.iter().map(|r| r.check.name().len()))
        .max()
        .unwrap_or(0);
    // `known bug` is wider than the other words: the column widens only when one is there.
    let word_width = verdict
        .scenarios
        .iter()
        .flat_map(|s| s.results.iter().map(|r| status_word(r.status).len()))
        .max()
        .unwrap_or(4)
        .max(4);
    let indent = " ".repeat(word_width + 4);
    for scenario in &verdict.scenarios {
        out.push_str(&format!("\n{}\n", scenario.scenario));
        if scenario.attempt > 1 {
            out.push_str(&format!(
                "  recorded again (attempt {}): a harness fault spoiled the earlier recording\n",
                scenario.attempt
            ));
            for reason in &scenario.retried_because {
                out.push_str(&format!("    {}\n", visible(reason)));
            }
        }
        for watch in &scenario.watch {
            out.push_str(&format!("  kubectl -w  {}\n", visible(watch)));
        }
        for watch in &scenario.server_watch {
            out.push_str(&format!("  server -w   {}\n", visible(watch)));
        }
        for result in &scenario.results {
            let word = paint(
                &format!("{:<word_width$}", status_word(result.status)),
                result.status,
                colour,
            );
            out.push_str(&format!(
                "  {word}  {:<width$}  {}\n",
                result.check.name(),
                visible(&result.check.describe())
            ));
            // A known bug shows its evidence too: the reader must see that it is the bug.
            if matches!(
                result.status,
                CheckStatus::Fail | CheckStatus::KnownBug | CheckStatus::HarnessFault
            ) {
                for line in describe_result(result).lines().skip(1) {
                    out.push_str(&format!("{indent}{}\n", visible(line.trim_start())));
                }
            }
        }
    }
    let count = |status: CheckStatus| {
        verdict
            .scenarios
            .iter()
            .flat_map(|s| &s.results)
            .filter(|r| r.status == status)
            .count()
    };
    let (pass, fail, na) = (
        count(CheckStatus::Pass),
        count(CheckStatus::Fail),
        count(CheckStatus::NotApplicable),
    );
    let open = verdict
        .scenarios
        .iter()
        .flat_map(|s| &s.results)
        .filter(|r| r.status == CheckStatus::KnownBug)
        .filter(|r| r.check.known_bug().is_some_and(|b| b.is_open_upstream()))
        .count();
    let known = known_bugs_words(count(CheckStatus::KnownBug), open);
    let faults = match count(CheckStatus::HarnessFault) {
        0 => String::new(),
        n => format!(", {n} left undecided by a harness fault"),
    };
    let summary = format!("\n{pass} passed{known}, {fail} failed, {na} not applicable{faults}\n");
    out.push_str(&if fail > 0 {
        paint(&summary, CheckStatus::Fail, colour)
    } else if !faults.is_empty() {
        paint(&summary, CheckStatus::HarnessFault, colour)
    } else {
        summary
    });
    out
}

/// `, 2 known bugs (1 open upstream)`: how many checks showed their known bug, and how many of
/// those bugs no released patch has fixed; nothing when there are none.
fn known_bugs_words(known: usize, open_upstream: usize) -> String {
    let open = match open_upstream {
        0 => String::new(),
        n => format!(" ({n} open upstream)"),
    };
    match known {
        0 => String::new(),
        n => format!(", {n} known bug{}{open}", if n == 1 { "" } else { "s" }),
    }
}

/// Prints [`terminal_table`] as each cell is judged, so a long run shows progress.
pub struct TerminalSink<W> {
    out: W,
    target: String,
    colour: Colour,
    timeline: Option<String>,
}

impl<W: std::io::Write> TerminalSink<W> {
    /// A sink writing to `out` (usually stdout); `target` names it in errors.
    pub fn new(out: W, target: impl Into<String>, colour: Colour) -> Self {
        TerminalSink {
            out,
            target: target.into(),
            colour,
            timeline: None,
        }
    }

    /// Names the timeline page (`timeline.html`) at the end of the report, so a reader finds it.
    pub fn with_timeline(mut self, path: impl Into<String>) -> Self {
        self.timeline = Some(path.into());
        self
    }
}

impl<W: std::io::Write> Sink for TerminalSink<W> {
    fn event(&mut self, event: &ReportEvent<'_>) -> Result<(), ReportError> {
        match event {
            ReportEvent::CellJudged { verdict } => write_text(
                &mut self.out,
                &self.target,
                &terminal_table(verdict, self.colour),
                true,
            ),
            ReportEvent::CellBroken { broken } => {
                let mut text = format!(
                    "{}: could not be set up; nothing was checked\n",
                    visible(&broken.cell)
                );
                for failure in &broken.failures {
                    text.push_str(&format!("  {}\n", visible(failure)));
                }
                write_text(&mut self.out, &self.target, &text, true)
            }
            ReportEvent::RunFinished { summary } => {
                // One cell's table already ends with its counts; several get a total.
                let mut text = String::new();
                if summary.cells + summary.broken > 1 {
                    let known = known_bugs_words(summary.known_bugs, summary.open_upstream);
                    text.push_str(&format!(
                        "\n{} cells: {} passed{known}, {} failed, {} not applicable",
                        summary.cells + summary.broken,
                        summary.passed,
                        summary.failed,
                        summary.not_applicable
                    ));
                    if summary.harness_faults > 0 {
                        text.push_str(&format!(
                            ", {} left undecided by a harness fault",
                            summary.harness_faults
                        ));
                    }
                    if summary.broken > 0 {
                        text.push_str(&format!("; {} could not be set up", summary.broken));
                    }
                    text.push('\n');
                }
                if let Some(path) = &self.timeline {
                    text.push_str(&format!("timeline: {}\n", visible(path)));
                }
                write_text(&mut self.out, &self.target, &text, true)
            }
        }
    }
}
