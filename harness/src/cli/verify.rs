//! `sidecar-e2e verify`: judge a recording offline and report it.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::ValueEnum;

use super::errors::ExpectedError;
use super::output::{write_file, write_stdout};
use crate::recording::Recording;
use crate::report::{Colour, junit_xml, markdown, terminal_table};
use crate::verdict::{Outcome, judge};

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
        let recording = Recording::load(&self.recording).map_err(ExpectedError::Recording)?;
        let verdict = judge(&recording).map_err(ExpectedError::Verdict)?;
        let colour = match self.color {
            ColourArg::Always => Colour::Ansi,
            ColourArg::Never => Colour::Plain,
            ColourArg::Auto if std::io::stdout().is_terminal() => Colour::Ansi,
            ColourArg::Auto => Colour::Plain,
        };
        write_stdout(&terminal_table(&verdict, colour))?;
        let verdicts = [verdict];
        if let Some(path) = &self.junit {
            let xml = junit_xml(&verdicts).map_err(ExpectedError::Junit)?;
            write_file(path, &xml)?;
        }
        if let Some(path) = &self.markdown {
            write_file(path, &markdown(&verdicts))?;
        }
        let failed = verdicts[0]
            .scenarios
            .iter()
            .flat_map(|s| &s.results)
            .filter(|r| r.outcome == Outcome::Fail)
            .count();
        if failed > 0 {
            return Err(ExpectedError::ChecksFailed { failed });
        }
        Ok(())
    }
}
