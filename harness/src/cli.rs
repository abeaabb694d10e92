//! The `sidecar-e2e` command line. Clap types stay here; the library gets plain requests.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use sidecar_injector::cli_support::{self, print_error};

use crate::cluster::kind_config;
use crate::plan::{
    ClusterSpecError, EffectiveMode, Gate, InjectorSpec, K8sVersion, ModeRequest, Plan, PlanError,
    PlanRequest, PlannedCell, ProxyPlace, cluster_spec,
};
use crate::recording::{Recording, RecordingError};
use crate::report::{Colour, JunitError, junit_xml, markdown, terminal_table};
use crate::scenario::Scenario;
use crate::verdict::{Outcome, VerdictError, judge};

/// Exit codes, documented in `--help`.
pub mod exit_codes {
    /// A check failed: the cluster did not behave as expected.
    pub const CHECKS_FAILED: u8 = 1;
    /// The input was wrong (a flag, a version, a file): nothing was checked.
    pub const BAD_INPUT: u8 = 2;
    /// Output could not be written.
    pub const IO: u8 = 3;
}

/// Proves that injected Kubernetes native sidecars behave, per Kubernetes version and
/// SidecarContainers gate state, and shows the legacy failures where the gate is off.
///
/// Exit codes: 0 success; 1 a check failed; 2 bad input (flags, versions, files); 3 I/O error.
#[derive(Debug, Parser)]
#[command(name = "sidecar-e2e", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show every cell of a test matrix: whether it can run and why, the layout pods will get,
    /// and what each scenario should show.
    ///
    /// Cells are Kubernetes versions x gate settings x injectors x modes. A cell is invalid when
    /// its cluster cannot boot (1.27 has no SidecarContainers gate; from 1.33 it is locked on).
    /// The effective mode is native, legacy, or rejected (native asked for where the gate is off:
    /// the API server drops restartPolicy, then refuses the proxy's probes).
    ///
    /// Example: sidecar-e2e plan --k8s 1.28,1.33 --gate on,off --injector builtin,istio@1.27
    Plan(Box<PlanOpts>),
    /// Re-check a recording offline: the verdict of every check, with evidence.
    ///
    /// Reads the JSON recording a run saved, decides every check of the cell's scenarios, prints
    /// a table, and optionally writes JUnit XML and Markdown (for $GITHUB_STEP_SUMMARY). Exits 1
    /// when a check fails: this is how a CI failure is debugged on a laptop.
    ///
    /// Example: sidecar-e2e verify --recording run.json --junit junit.xml --markdown summary.md
    Verify(VerifyOpts),
    /// Print the kind Cluster config a run uses for a Kubernetes version and gate setting.
    ///
    /// Example: sidecar-e2e kind-config --k8s 1.29 --gate off > cluster.yaml && kind create cluster --config cluster.yaml
    KindConfig(KindConfigOpts),
}

#[derive(Debug, clap::Args)]
struct PlanOpts {
    /// Kubernetes versions, comma-separated (default: every version with a kind node image).
    #[arg(long, value_delimiter = ',', value_name = "1.X,...")]
    k8s: Vec<K8sVersion>,
    /// SidecarContainers settings: on, off, default (the version's own).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "default",
        value_name = "on|off|default,..."
    )]
    gate: Vec<Gate>,
    /// Injectors: builtin (this repository's) or istio@<version>.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "builtin",
        value_name = "builtin|istio@1.X,..."
    )]
    injector: Vec<InjectorSpec>,
    /// Modes asked of the injector: auto, native, legacy.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "auto",
        value_name = "auto|native|legacy,..."
    )]
    mode: Vec<ModeRequest>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
}

#[derive(Debug, clap::Args)]
struct VerifyOpts {
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

#[derive(Debug, clap::Args)]
struct KindConfigOpts {
    /// Kubernetes version.
    #[arg(long, value_name = "1.X")]
    k8s: K8sVersion,
    /// SidecarContainers setting.
    #[arg(long, default_value = "default")]
    gate: Gate,
}

#[derive(Debug, thiserror::Error)]
enum ExpectedError {
    #[error("cannot plan")]
    Plan(#[source] PlanError),
    #[error("cannot make a kind config")]
    KindConfig(#[source] ClusterSpecError),
    #[error("cannot write the output")]
    Write(#[source] std::io::Error),
    #[error("cannot use the recording")]
    Recording(#[source] RecordingError),
    #[error("cannot judge the recording")]
    Verdict(#[source] VerdictError),
    #[error("cannot write {path}")]
    WriteFile {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the JUnit report")]
    Junit(#[source] JunitError),
    #[error("{failed} check(s) failed")]
    ChecksFailed { failed: usize },
}

impl ExpectedError {
    fn exit_code(&self) -> u8 {
        match self {
            ExpectedError::Plan(_)
            | ExpectedError::KindConfig(_)
            | ExpectedError::Recording(_)
            | ExpectedError::Verdict(_) => exit_codes::BAD_INPUT,
            ExpectedError::Write(_) | ExpectedError::WriteFile { .. } | ExpectedError::Junit(_) => {
                exit_codes::IO
            }
            ExpectedError::ChecksFailed { .. } => exit_codes::CHECKS_FAILED,
        }
    }

    fn hint(&self) -> Option<&'static str> {
        match self {
            ExpectedError::Plan(PlanError::UnknownVersion { .. })
            | ExpectedError::KindConfig(ClusterSpecError::UnknownVersion { .. }) => {
                Some("new versions are added to kind-configs/node-images.yaml")
            }
            ExpectedError::KindConfig(ClusterSpecError::CannotBoot { .. }) => {
                Some("`sidecar-e2e plan` lists which gate settings each version accepts")
            }
            ExpectedError::Recording(RecordingError::Version { .. }) => {
                Some("verify a recording with the sidecar-e2e version that made it")
            }
            _ => None,
        }
    }
}

/// Runs the CLI with the process arguments and returns the exit code.
pub fn main_impl() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            print_error(&err, err.hint());
            ExitCode::from(err.exit_code())
        }
    }
}

fn run(cli: Cli) -> Result<(), ExpectedError> {
    match cli.command {
        Command::Plan(opts) => {
            let request = PlanRequest {
                k8s: opts.k8s.clone(),
                gates: opts.gate.clone(),
                injectors: opts.injector.clone(),
                modes: opts.mode.clone(),
            };
            let plan = request.resolve().map_err(ExpectedError::Plan)?;
            let text = match opts.format {
                Format::Json => {
                    let json = serde_json::to_string_pretty(&plan).unwrap_or_default();
                    format!("{json}\n")
                }
                Format::Table => plan_table(&plan),
            };
            write_stdout(&text)
        }
        Command::Verify(opts) => verify(&opts),
        Command::KindConfig(opts) => {
            let spec = cluster_spec(opts.k8s, opts.gate).map_err(ExpectedError::KindConfig)?;
            write_stdout(&kind_config(&spec).yaml)
        }
    }
}

fn verify(opts: &VerifyOpts) -> Result<(), ExpectedError> {
    let recording = Recording::load(&opts.recording).map_err(ExpectedError::Recording)?;
    let verdict = judge(&recording).map_err(ExpectedError::Verdict)?;
    let colour = match opts.color {
        ColourArg::Always => Colour::Ansi,
        ColourArg::Never => Colour::Plain,
        ColourArg::Auto if std::io::stdout().is_terminal() => Colour::Ansi,
        ColourArg::Auto => Colour::Plain,
    };
    write_stdout(&terminal_table(&verdict, colour))?;
    let verdicts = [verdict];
    if let Some(path) = &opts.junit {
        let xml = junit_xml(&verdicts).map_err(ExpectedError::Junit)?;
        write_file(path, &xml)?;
    }
    if let Some(path) = &opts.markdown {
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

fn write_file(path: &Path, text: &str) -> Result<(), ExpectedError> {
    std::fs::write(path, text).map_err(|source| ExpectedError::WriteFile {
        path: path.display().to_string(),
        source,
    })
}

fn write_stdout(text: &str) -> Result<(), ExpectedError> {
    cli_support::write_stdout(text).map_err(ExpectedError::Write)
}

/// The plan as an aligned text table, one row per cell.
pub fn plan_table(plan: &Plan) -> String {
    let header = [
        "K8S",
        "GATE",
        "INJECTOR",
        "ASKED",
        "MODE",
        "PROXY",
        "INIT-TRAFFIC",
        "JOB",
        "SHUTDOWN",
        "NOTE",
    ];
    let rows: Vec<[String; 10]> = plan.cells.iter().map(table_row).collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[String]| {
        let parts: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(parts.join("  ").trim_end());
        out.push('\n');
    };
    line(&header.map(str::to_owned));
    for row in &rows {
        line(row);
    }
    out
}

fn table_row(cell: &PlannedCell) -> [String; 10] {
    let yes_no = |v: Option<bool>| match v {
        Some(true) => "yes".to_owned(),
        Some(false) => "no".to_owned(),
        None => "-".to_owned(),
    };
    let scenario = |s: Scenario| cell.scenarios.get(&s);
    let mode = match cell.effective_mode {
        Some(EffectiveMode::Native) => "native",
        Some(EffectiveMode::Legacy) => "legacy",
        Some(EffectiveMode::Rejected) => "rejected",
        None => "invalid",
    };
    let proxy = match scenario(Scenario::Sleep).and_then(|o| o.proxy) {
        Some(ProxyPlace::RestartableInitContainer) => "init (Always)",
        Some(ProxyPlace::Container) => "container",
        None => "-",
    };
    let note = match (&cell.reason, cell.effective_mode) {
        (Some(reason), _) => reason.clone(),
        (None, Some(EffectiveMode::Rejected)) => {
            "API server drops restartPolicy, then refuses the probes: no pod".to_owned()
        }
        _ => String::new(),
    };
    [
        cell.k8s.to_string(),
        cell.gate.to_string(),
        cell.injector.to_string(),
        cell.requested_mode.to_string(),
        mode.to_owned(),
        proxy.to_owned(),
        yes_no(scenario(Scenario::InitTraffic).and_then(|o| o.succeeds)),
        yes_no(scenario(Scenario::Job).and_then(|o| o.completes)),
        yes_no(scenario(Scenario::ShutdownTraffic).and_then(|o| o.succeeds)),
        note,
    ]
}
