//! Fan-out: a [`Reporter`] hands every [`ReportEvent`] to each [`Sink`] (terminal, JUnit,
//! Markdown, JSON), in the style of nextest's reporter. Sinks write to any [`std::io::Write`]
//! the caller opened (stdout, a file), so this module does no file I/O of its own.

use super::event::{BrokenCell, ReportEvent, RunSummary};
use crate::verdict::Verdict;

/// A sink could not write.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Its writer failed.
    #[error("cannot write {target}")]
    Write {
        /// What the sink writes to: a path, or `standard output`.
        target: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The report could not be serialised.
    #[error("cannot serialise the report for {target}")]
    Serialise {
        /// What the sink writes to.
        target: String,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// One output of a run.
pub trait Sink {
    /// Takes the next event. Sinks that render at the end keep what they need until
    /// [`ReportEvent::RunFinished`], and flush their writer then.
    ///
    /// # Errors
    /// [`ReportError`] when the writer fails.
    fn event(&mut self, event: &ReportEvent<'_>) -> Result<(), ReportError>;
}

/// Every sink of a run, fed the same events in the same order.
#[derive(Default)]
pub struct Reporter {
    sinks: Vec<Box<dyn Sink>>,
    summary: RunSummary,
}

impl Reporter {
    /// A reporter with no sink yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a sink.
    pub fn with_sink(mut self, sink: impl Sink + 'static) -> Self {
        self.sinks.push(Box::new(sink));
        self
    }

    /// Reports a judged cell.
    ///
    /// # Errors
    /// The first sink's [`ReportError`]; every sink still gets the event.
    pub fn cell_judged(&mut self, verdict: &Verdict) -> Result<(), ReportError> {
        self.summary.add(verdict);
        self.send(&ReportEvent::CellJudged { verdict })
    }

    /// Reports a cell that could not be set up.
    ///
    /// # Errors
    /// As [`Reporter::cell_judged`].
    pub fn cell_broken(&mut self, broken: &BrokenCell) -> Result<(), ReportError> {
        self.summary.broken += 1;
        self.send(&ReportEvent::CellBroken { broken })
    }

    /// Ends the run: every sink renders what it kept and flushes.
    ///
    /// # Errors
    /// As [`Reporter::cell_judged`].
    pub fn finish(mut self) -> Result<RunSummary, ReportError> {
        let summary = self.summary;
        self.send(&ReportEvent::RunFinished { summary: &summary })?;
        Ok(summary)
    }

    fn send(&mut self, event: &ReportEvent<'_>) -> Result<(), ReportError> {
        let mut first = None;
        for sink in &mut self.sinks {
            if let Err(err) = sink.event(event) {
                first.get_or_insert(err);
            }
        }
        first.map_or(Ok(()), Err)
    }
}

/// What a report written whole at the end (JUnit, Markdown, JSON) kept of the run.
#[derive(Debug, Default)]
pub struct Kept {
    /// Every judged cell, in order.
    pub verdicts: Vec<Verdict>,
    /// Every cell that could not be set up, in order.
    pub broken: Vec<BrokenCell>,
}

/// A report rendered whole once the run finishes, from what [`BufferedSink`] kept.
pub trait EndReport {
    /// The report's text.
    ///
    /// # Errors
    /// Why it could not be rendered (a serialiser's error).
    fn render(
        &self,
        kept: &Kept,
        summary: &RunSummary,
    ) -> Result<String, Box<dyn std::error::Error + Send + Sync>>;
}

/// A sink that keeps every judged and broken cell and writes `R`'s rendering of them when the
/// run finishes (the JUnit, Markdown and JSON sinks are this with their report).
pub struct BufferedSink<W, R> {
    out: W,
    target: String,
    kept: Kept,
    report: R,
}

impl<W: std::io::Write, R: EndReport> BufferedSink<W, R> {
    /// A sink writing `report` to `out`; `target` names it in errors.
    pub fn with_report(out: W, target: impl Into<String>, report: R) -> Self {
        BufferedSink {
            out,
            target: target.into(),
            kept: Kept::default(),
            report,
        }
    }

    /// The report it renders, to set options on before the run.
    pub fn report_mut(&mut self) -> &mut R {
        &mut self.report
    }
}

impl<W: std::io::Write, R: EndReport> Sink for BufferedSink<W, R> {
    fn event(&mut self, event: &ReportEvent<'_>) -> Result<(), ReportError> {
        match event {
            ReportEvent::CellJudged { verdict } => self.kept.verdicts.push((*verdict).clone()),
            ReportEvent::CellBroken { broken } => self.kept.broken.push((*broken).clone()),
            ReportEvent::RunFinished { summary } => {
                let text = self.report.render(&self.kept, summary).map_err(|source| {
                    ReportError::Serialise {
                        target: self.target.clone(),
                        source,
                    }
                })?;
                write_text(&mut self.out, &self.target, &text, true)?;
            }
        }
        Ok(())
    }
}

/// Writes `text` and, when `flush`, flushes: the I/O every sink does.
pub(super) fn write_text(
    out: &mut dyn std::io::Write,
    target: &str,
    text: &str,
    flush: bool,
) -> Result<(), ReportError> {
    out.write_all(text.as_bytes())
        .and_then(|()| if flush { out.flush() } else { Ok(()) })
        .map_err(|source| ReportError::Write {
            target: target.to_owned(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{JsonSink, MarkdownSink};

    /// A writer that always fails, to see that one broken sink does not starve the others.
    struct Broken;

    impl std::io::Write for Broken {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk full"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_sink_gets_every_event_even_when_one_fails() {
        let (markdown, read_markdown) = shared();
        let reporter = Reporter::new()
            .with_sink(JsonSink::new(Broken, "broken.json"))
            .with_sink(MarkdownSink::new(markdown, "summary.md"));
        let err = reporter.finish().expect_err("the JSON sink fails");
        assert_eq!(err.to_string(), "cannot write broken.json");
        assert_eq!(read_markdown(), "# sidecar-e2e\n");
    }

    #[test]
    fn a_cell_that_could_not_be_set_up_shows_in_every_report_and_fails_the_run() {
        let (markdown, read_markdown) = shared();
        let (junit, read_junit) = shared();
        let (json, read_json) = shared();
        let (terminal, read_terminal) = shared();
        let mut reporter = Reporter::new()
            .with_sink(MarkdownSink::new(markdown, "summary.md"))
            .with_sink(crate::report::JunitSink::new(junit, "junit.xml"))
            .with_sink(JsonSink::new(json, "verdicts.json"))
            .with_sink(crate::report::TerminalSink::new(
                terminal,
                "stdout",
                crate::report::Colour::Plain,
            ));
        let broken = BrokenCell {
            cell: "1-32-on-builtin-auto".to_owned(),
            failures: vec!["cluster up: kind could not create it".to_owned()],
        };
        reporter.cell_broken(&broken).expect("reported");
        let summary = reporter.finish().expect("finished");
        assert!(!summary.succeeded(), "a broken cell is not a success");
        assert_eq!(summary.broken, 1);
        assert!(
            read_markdown()
                .contains("- `1-32-on-builtin-auto`: cluster up: kind could not create it"),
            "{}",
            read_markdown()
        );
        let xml = read_junit();
        assert!(xml.contains("<testcase name=\"setup\""), "{xml}");
        assert!(xml.contains("<error"), "{xml}");
        assert!(read_json().contains("\"brokenCells\""), "{}", read_json());
        assert!(
            read_terminal().contains("could not be set up"),
            "{}",
            read_terminal()
        );
    }

    #[test]
    fn several_cells_get_a_total_on_the_terminal() {
        let (terminal, read_terminal) = shared();
        let mut reporter = Reporter::new().with_sink(crate::report::TerminalSink::new(
            terminal,
            "stdout",
            crate::report::Colour::Plain,
        ));
        for cell in ["1-32-on-builtin-auto", "1-32-off-builtin-auto"] {
            let broken = BrokenCell {
                cell: cell.to_owned(),
                failures: vec!["cluster up: no".to_owned()],
            };
            reporter.cell_broken(&broken).expect("reported");
        }
        reporter.finish().expect("finished");
        assert!(
            read_terminal().ends_with(
                "\n2 cells: 0 passed, 0 failed, 0 not applicable; 2 could not be set up\n"
            ),
            "{}",
            read_terminal()
        );
    }

    /// A writer whose bytes the test can read back after the sink owning it is gone.
    fn shared() -> (SharedBuf, impl Fn() -> String) {
        let buf = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let read = {
            let buf = buf.clone();
            move || String::from_utf8(buf.borrow().clone()).expect("utf-8")
        };
        (SharedBuf(buf), read)
    }

    struct SharedBuf(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

    impl std::io::Write for SharedBuf {
        fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(data);
            Ok(data.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
}
