//! Progress of a run on stderr: a spinner per cell with its phase and elapsed time on a terminal
//! (indicatif), one plain line per phase otherwise (CI logs), each with the run's elapsed time.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use sidecar_e2e_core::report::visible;
use sidecar_e2e_runner::run::{Progress, ProgressEvent};

/// A progress sink for stderr: bars on a terminal, lines elsewhere.
pub(super) fn stderr_progress() -> Progress {
    let started = Instant::now();
    if std::io::stderr().is_terminal() {
        let bars = Bars {
            multi: MultiProgress::new(),
            cells: Mutex::new(HashMap::new()),
        };
        Arc::new(move |event| bars.show(event))
    } else {
        Arc::new(move |event| match run_line(&event) {
            Some(line) => eprintln!("{line}"),
            None => eprintln!("{}", plain_line(&event, started.elapsed())),
        })
    }
}

/// The line a run-level event (a round starts, a signal stops the run) shows, the same on a
/// terminal and off it; `None` for a cell's events.
fn run_line(event: &ProgressEvent) -> Option<String> {
    match event {
        ProgressEvent::RoundStarted {
            run_id,
            round,
            of,
            cells,
            scenarios,
            parallel,
            dir,
        } => {
            let round = match of {
                1 => String::new(),
                _ => format!(" (round {round} of {of})"),
            };
            Some(format!(
                "run {run_id}{round}: {cells} cell(s) x {scenarios} scenario(s), {parallel} at a time; artifacts in {}",
                dir.display()
            ))
        }
        ProgressEvent::Stopping { signal, removing } => Some(format!(
            "{signal}: stopping; removing {}",
            if removing.is_empty() {
                "nothing (nothing was created yet)".to_owned()
            } else {
                visible(&removing.join(", ")).into_owned()
            }
        )),
        _ => None,
    }
}

/// The line a non-terminal shows for `event` at `at` into the run; what the cluster or a tool
/// said is in it with its control characters written out.
pub(super) fn plain_line(event: &ProgressEvent, at: Duration) -> String {
    visible(&raw_line(event, at)).into_owned()
}

fn raw_line(event: &ProgressEvent, at: Duration) -> String {
    let stamp = format!("[{:>6.1}s]", at.as_secs_f64());
    match event {
        ProgressEvent::Started { cell, phase } => format!("{stamp} {cell}: {} ...", phase.name()),
        ProgressEvent::Finished {
            cell,
            phase,
            took,
            error: None,
        } => format!(
            "{stamp} {cell}: {} done in {:.1}s",
            phase.name(),
            took.as_secs_f64()
        ),
        ProgressEvent::Finished {
            cell,
            phase,
            took,
            error: Some(error),
        } => format!(
            "{stamp} {cell}: {} FAILED after {:.1}s: {error}",
            phase.name(),
            took.as_secs_f64()
        ),
        ProgressEvent::CellFinished { cell, passed } => {
            format!("{stamp} {cell}: {}", cell_result(*passed))
        }
        ProgressEvent::Note { cell, text } => format!("{stamp} {cell}: {text}"),
        ProgressEvent::RoundStarted { .. } | ProgressEvent::Stopping { .. } => {
            run_line(event).unwrap_or_default()
        }
    }
}

fn cell_result(passed: bool) -> &'static str {
    if passed {
        "finished: every check met its expectation"
    } else {
        "finished: FAILED (see the report)"
    }
}

struct Bars {
    multi: MultiProgress,
    cells: Mutex<HashMap<String, ProgressBar>>,
}

impl Bars {
    fn show(&self, event: ProgressEvent) {
        if let Some(line) = run_line(&event) {
            let _ = self.multi.println(line);
            return;
        }
        let mut cells = self.cells.lock().unwrap_or_else(PoisonError::into_inner);
        let cell = match &event {
            ProgressEvent::Started { cell, .. }
            | ProgressEvent::Finished { cell, .. }
            | ProgressEvent::CellFinished { cell, .. }
            | ProgressEvent::Note { cell, .. } => cell.clone(),
            ProgressEvent::RoundStarted { .. } | ProgressEvent::Stopping { .. } => return,
        };
        let bar = cells.entry(cell.clone()).or_insert_with(|| {
            let bar = self.multi.add(ProgressBar::new_spinner());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {prefix:<28} {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_prefix(cell.clone());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        match event {
            ProgressEvent::Started { phase, .. } => {
                bar.reset_elapsed();
                bar.set_message(phase.name().to_owned());
            }
            ProgressEvent::Finished {
                phase, took, error, ..
            } => {
                let status = match error {
                    None => format!("{} done in {:.1}s", phase.name(), took.as_secs_f64()),
                    Some(error) => format!("{} FAILED: {}", phase.name(), visible(&error)),
                };
                bar.println(format!("{cell}: {status}"));
            }
            ProgressEvent::CellFinished { passed, .. } => {
                bar.println(format!("{cell}: {}", cell_result(passed)));
                // The spinner stops, so the report printed next is not drawn over.
                bar.finish_and_clear();
            }
            ProgressEvent::Note { text, .. } => {
                bar.println(format!("{cell}: {}", visible(&text)));
            }
            ProgressEvent::RoundStarted { .. } | ProgressEvent::Stopping { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sidecar_e2e_runner::run::Phase;

    #[test]
    fn plain_lines_say_cell_phase_and_time() {
        let at = Duration::from_millis(12_340);
        let started = ProgressEvent::Started {
            cell: "1-32-on-builtin-auto".to_owned(),
            phase: Phase::ClusterUp,
        };
        assert_eq!(
            plain_line(&started, at),
            "[  12.3s] 1-32-on-builtin-auto: cluster up ..."
        );
        let failed = ProgressEvent::Finished {
            cell: "c".to_owned(),
            phase: Phase::Install,
            took: Duration::from_secs(3),
            error: Some("boom".to_owned()),
        };
        assert_eq!(
            plain_line(&failed, at),
            "[  12.3s] c: install FAILED after 3.0s: boom"
        );
        let crafted = ProgressEvent::Finished {
            cell: "c".to_owned(),
            phase: Phase::Install,
            took: Duration::from_secs(3),
            error: Some("kind said \u{1b}]0;pwned\u{7}".to_owned()),
        };
        assert_eq!(
            plain_line(&crafted, at),
            "[  12.3s] c: install FAILED after 3.0s: kind said \\x1b]0;pwned\\x07"
        );
    }
}
