//! `sidecar-e2e verify`: judge recordings offline and report them; `--html` draws their container
//! timelines on one page (give the gate-on and gate-off recordings to see them one above the other).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::ValueEnum;

use super::errors::ExpectedError;
use super::input::{InputKind, InputLimits, read_text};
use super::output::Stdout;
use super::output_paths::{Named, check_outputs};
use super::profiles::load_profile;
use super::scenario_files::ScenarioOpts;
use sidecar_e2e_core::recording::Recording;
use sidecar_e2e_core::report::{
    Colour, JsonSink, JunitSink, MarkdownSink, Reporter, TerminalSink, TimelineSink,
};
use sidecar_e2e_core::verdict::judge;
use sidecar_e2e_runner::staged::Staged;

#[derive(Debug, clap::Args)]
pub(super) struct VerifyOpts {
    /// The recording(s) (JSON) to check: `--recording on/job.json off/job.json`, or the flag
    /// repeated.
    #[arg(long, value_name = "FILE", required = true, num_args = 1..)]
    recording: Vec<PathBuf>,
    /// The profile of an injector of your own that a recording names (the one `run` was given
    /// with `--injector FILE`); the shipped injectors need none. Repeat for several.
    #[arg(long, value_name = "FILE")]
    profile: Vec<PathBuf>,
    /// The scenario files (a directory or a file) of the recordings' scenarios that are not
    /// built in (the ones `run` was given with --scenarios); repeat for several.
    #[arg(long = "scenarios", value_name = "DIR|FILE")]
    scenarios: Vec<PathBuf>,
    /// Also write JUnit XML here (one testcase per cell x scenario).
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Also write Markdown here (e.g. "$GITHUB_STEP_SUMMARY").
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
    /// Also write the verdicts as JSON here: every check with its status and evidence.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Also draw every pod's containers on a timeline, as one self-contained HTML page here
    /// (per scenario, the cells of one Kubernetes version one above the other on one time axis).
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
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
    pub(super) fn exec(self, limits: InputLimits) -> Result<(), ExpectedError> {
        self.check_outputs()?;
        for profile in &self.profile {
            load_profile(profile, limits)?;
        }
        ScenarioOpts::of_paths(&self.scenarios).load(limits)?;
        // Every file is read and judged before anything is reported: one bad file stops it all.
        let mut recordings = Vec::new();
        let mut verdicts = Vec::new();
        for file in &self.recording {
            let path = label(file);
            let text =
                read_text(file, InputKind::Recording, limits).map_err(ExpectedError::Input)?;
            let recording = Recording::from_json(&text, &path).map_err(ExpectedError::Recording)?;
            let verdict = judge(&recording).map_err(|source| ExpectedError::Verdict {
                path: path.clone(),
                source,
            })?;
            verdicts.push(verdict);
            recordings.push(recording);
        }
        let mut staged = Staged::new();
        let mut reporter = self.reporter(recordings, &mut staged)?;
        for verdict in &verdicts {
            reporter
                .cell_judged(verdict)
                .map_err(ExpectedError::Report)?;
        }
        let summary = reporter.finish().map_err(ExpectedError::Report)?;
        // Every report was written whole: only now do they replace what was there.
        staged.commit()?;
        ExpectedError::from_summary(&summary)
    }

    /// The report files asked for, each by its flag.
    fn outputs(&self) -> Vec<Named> {
        [
            ("--junit", &self.junit),
            ("--markdown", &self.markdown),
            ("--json", &self.json),
            ("--html", &self.html),
        ]
        .into_iter()
        .filter_map(|(flag, path)| path.clone().map(|path| Named::new(flag, path)))
        .collect()
    }

    /// No report may overwrite a recording or another report.
    fn check_outputs(&self) -> Result<(), ExpectedError> {
        let inputs: Vec<Named> = self
            .recording
            .iter()
            .map(|path| Named::new("--recording", path.clone()))
            .chain(
                self.profile
                    .iter()
                    .map(|path| Named::new("--profile", path.clone())),
            )
            .chain(
                self.scenarios
                    .iter()
                    .map(|path| Named::new("--scenarios", path.clone())),
            )
            .collect();
        check_outputs(&inputs, &self.outputs())
    }

    /// The terminal, and a sink per report file asked for, each staged in `staged`.
    fn reporter(
        &self,
        recordings: Vec<Recording>,
        staged: &mut Staged,
    ) -> Result<Reporter, ExpectedError> {
        let colour = match self.color {
            ColourArg::Always => Colour::Ansi,
            ColourArg::Never => Colour::Plain,
            ColourArg::Auto if std::io::stdout().is_terminal() => Colour::Ansi,
            ColourArg::Auto => Colour::Plain,
        };
        let mut terminal = TerminalSink::new(Stdout, "standard output", colour);
        if let Some(path) = &self.html {
            terminal = terminal.with_timeline(label(path));
        }
        let mut reporter = Reporter::new().with_sink(terminal);
        if let Some(path) = &self.junit {
            reporter = reporter.with_sink(JunitSink::new(staged.create(path)?, label(path)));
        }
        if let Some(path) = &self.markdown {
            let mut sink = MarkdownSink::new(staged.create(path)?, label(path));
            if let Some(html) = &self.html {
                sink = sink.with_timeline(link_from(path, html));
            }
            reporter = reporter.with_sink(sink);
        }
        if let Some(path) = &self.json {
            reporter = reporter.with_sink(JsonSink::new(staged.create(path)?, label(path)));
        }
        if let Some(path) = &self.html {
            reporter = reporter.with_sink(TimelineSink::new(
                staged.create(path)?,
                label(path),
                recordings,
            ));
        }
        Ok(reporter)
    }
}

fn label(path: &Path) -> String {
    path.display().to_string()
}

/// How the Markdown at `from` links `to`: its file name when both are in one directory (as in a
/// run's artifacts), else the path as given.
fn link_from(from: &Path, to: &Path) -> String {
    match (from.parent(), to.parent(), to.file_name()) {
        (Some(a), Some(b), Some(name)) if a == b => name.to_string_lossy().into_owned(),
        _ => label(to),
    }
}
