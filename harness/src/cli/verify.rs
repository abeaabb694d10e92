//! `sidecar-e2e verify`: judge a recording offline and report it.

use std::fs::File;
use std::io::{BufWriter, IsTerminal};
use std::path::{Path, PathBuf};

use clap::ValueEnum;

use super::errors::ExpectedError;
use super::output::Stdout;
use crate::recording::Recording;
use crate::report::{Colour, JsonSink, JunitSink, MarkdownSink, Reporter, TerminalSink};
use crate::verdict::judge;

#[derive(Debug, clap::Args)]
pub(super) struct VerifyOpts {
    /// The recording (JSON) to check.
    #[arg(long, value_name = "FILE")]
    recording: PathBuf,
    /// Also write JUnit XML here (one testcase per cell x scenario).
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Also write Markdown here (e.g. "$GITHUB_STEP_SUMMARY").
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
    /// Also write the verdicts as JSON here: every check with its status and evidence.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Colour the table: auto (on a terminal), always, never.
    #[arg(long, value_enum, default_value_t = ColourArg::Auto)]
    color: ColourArg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ColourArg {
    Auto,
    Always,
    Never,
}

impl VerifyOpts {
    pub(super) fn exec(self) -> Result<(), ExpectedError> {
        let path = label(&self.recording);
        let text = std::fs::read_to_string(&self.recording).map_err(|source| {
            ExpectedError::ReadRecording {
                path: path.clone(),
                source,
            }
        })?;
        let recording = Recording::from_json(&text, &path).map_err(ExpectedError::Recording)?;
        let verdict = judge(&recording).map_err(ExpectedError::Verdict)?;
        let mut reporter = self.reporter()?;
        reporter
            .cell_judged(&verdict)
            .map_err(ExpectedError::Report)?;
        let summary = reporter.finish().map_err(ExpectedError::Report)?;
        if !summary.succeeded() {
            return Err(ExpectedError::ChecksFailed {
                failed: summary.failed,
            });
        }
        Ok(())
    }

    /// The terminal, and a sink per report file asked for.
    fn reporter(&self) -> Result<Reporter, ExpectedError> {
        let colour = match self.color {
            ColourArg::Always => Colour::Ansi,
            ColourArg::Never => Colour::Plain,
            ColourArg::Auto if std::io::stdout().is_terminal() => Colour::Ansi,
            ColourArg::Auto => Colour::Plain,
        };
        let mut reporter =
            Reporter::new().with_sink(TerminalSink::new(Stdout, "standard output", colour));
        if let Some(path) = &self.junit {
            reporter = reporter.with_sink(JunitSink::new(create(path)?, label(path)));
        }
        if let Some(path) = &self.markdown {
            reporter = reporter.with_sink(MarkdownSink::new(create(path)?, label(path)));
        }
        if let Some(path) = &self.json {
            reporter = reporter.with_sink(JsonSink::new(create(path)?, label(path)));
        }
        Ok(reporter)
    }
}

fn label(path: &Path) -> String {
    path.display().to_string()
}

fn create(path: &Path) -> Result<BufWriter<File>, ExpectedError> {
    File::create(path)
        .map(BufWriter::new)
        .map_err(|source| ExpectedError::WriteFile {
            path: label(path),
            source,
        })
}
