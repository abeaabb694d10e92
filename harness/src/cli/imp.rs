//! Parsing and dispatch: the clap tree, and `main_impl`, which the binary calls.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use super::cluster::ClusterCommand;
use super::errors::{ExpectedError, render_error};
use super::gc::GcOpts;
use super::images::ImagesCommand;
use super::input::InputLimits;
use super::kind_config::KindConfigOpts;
use super::plan::PlanOpts;
use super::run::RunOpts;
use super::values::at_least_one;
use super::verify::VerifyOpts;

/// Proves that injected Kubernetes native sidecars behave, per Kubernetes version and
/// SidecarContainers gate state, and shows the legacy failures where the gate is off.
///
/// Exit codes: 0 success; 1 a check failed; 2 bad input (flags, versions, a recording's
/// content, an input file past its size limit or not UTF-8, an output that would overwrite an
/// input or another output, a --kubeconfig that cannot be used); 3 I/O (a file could not be
/// read, or the output written); 4 setup failed (a build step, Docker, kind, a cluster or
/// injector that did not come up); 5 harness fault (no check failed, but the harness could not
/// observe what some need: an unreadable log, a broken watch, a container the runtime failed to
/// start; worth a retry, unlike 1); 130 interrupted (after removing what the run created). A
/// failed check wins over 4 and 5. RUST_LOG=debug shows every command and API call.
#[derive(Debug, Parser)]
#[command(name = "sidecar-e2e", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The largest input file read, in MiB, for every kind: recordings (default 64), image maps,
    /// kubeconfigs and env files (default 1). A file past it is refused (exit 2) without being
    /// read into memory.
    #[arg(
        long,
        global = true,
        value_name = "MIB",
        env = "SIDECAR_E2E_MAX_INPUT_MIB",
        value_parser = at_least_one::<u64>
    )]
    max_input_mib: Option<u64>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show every cell of a test matrix: whether it can run and why, the layout pods will get,
    /// and what each scenario should show.
    ///
    /// Cells are Kubernetes versions x gate settings x injectors x modes. A cell is invalid when
    /// its cluster cannot boot (1.33-1.36 lock SidecarContainers on; 1.37 removed it, so only
    /// on and default boot there).
    /// The effective mode is native, legacy, or rejected (native asked for where the gate is off:
    /// the API server drops restartPolicy, then refuses the proxy's probes).
    ///
    /// Example: sidecar-e2e plan --k8s 1.28,1.33 --gate on,off --injector builtin,istio@1.27
    Plan(Box<PlanOpts>),
    /// Re-check a recording offline: the verdict of every check, with evidence.
    ///
    /// Reads the JSON recording a run saved, decides every check of the cell's scenarios, prints
    /// a table, and optionally writes JUnit XML, Markdown (for $GITHUB_STEP_SUMMARY) and the
    /// verdicts as JSON. Exits 1 when a check fails: this is how a CI failure is debugged on a
    /// laptop.
    ///
    /// A recording whose cell contradicts what its own cluster reported (server or kubelet
    /// minor, capability probe, injector mode), or with no scenarios, is bad input (exit 2).
    /// Reports are written whole, once all of them are, and never over a recording or each
    /// other.
    ///
    /// Example: sidecar-e2e verify --recording run.json --junit junit.xml --markdown summary.md
    Verify(VerifyOpts),
    /// Run the matrix on real clusters: the main job.
    ///
    /// For every valid cell (Kubernetes version x gate x injector x mode): create a kind cluster
    /// (with the image map's node image), check with a server-side dry-run that the gate really
    /// took effect, load the images, install the injector and prove its webhook answers, then run
    /// every scenario in its own labelled namespace, watching pods and events until the scenario
    /// shows its outcome. Each recording is judged against the plan's expectations.
    ///
    /// Writes to --artifacts: junit.xml (one testcase per cell x scenario), summary.md,
    /// verdicts.json, and per cell <cell>/<scenario>.json recordings (re-check any with
    /// `sidecar-e2e verify`), timings.json, and kind logs when the cell failed. Ctrl-C removes
    /// every cluster and namespace the run created. Exit 0 when every check met its expectation,
    /// 1 when one did not, 2 on bad input (found before anything starts, a --kubeconfig that
    /// cannot be used included), 4 when a cell could not be set up, 5 when a harness fault left
    /// checks undecided (a scenario so spoiled is recorded once more before that), 130 when
    /// interrupted.
    ///
    /// Example: sidecar-e2e run --k8s 1.32 --gate on,off --injector builtin --image-map target/sidecar-e2e/images.yaml
    Run(Box<RunOpts>),
    /// One cell's cluster for the e2e suites: `cluster up` makes it, `cluster down` removes it.
    #[command(subcommand)]
    Cluster(ClusterCommand),
    /// Remove what earlier runs left: kind clusters named se2e-<run id>-…, and (with
    /// --kubeconfig) namespaces labelled sidecar-e2e/run-id, older than --older-than.
    ///
    /// Example: sidecar-e2e gc --older-than 2h --dry-run
    Gc(GcOpts),
    /// Print the kind Cluster config a run uses for a Kubernetes version and gate setting.
    ///
    /// Example: sidecar-e2e kind-config --k8s 1.29 --gate off > cluster.yaml && kind create cluster --config cluster.yaml
    KindConfig(KindConfigOpts),
    /// Build the images a run needs, offline, and write the image map that points at them.
    #[command(subcommand)]
    Images(ImagesCommand),
}

/// Runs the CLI with the process arguments and returns the exit code.
pub fn main_impl() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprint!("{}", render_error(&err));
            ExitCode::from(err.exit_code())
        }
    }
}

fn dispatch(cli: Cli) -> Result<(), ExpectedError> {
    let limits = InputLimits::new(cli.max_input_mib);
    match cli.command {
        Command::Plan(opts) => opts.exec(limits),
        Command::Run(opts) => opts.exec(limits),
        Command::Cluster(command) => command.exec(limits),
        Command::Gc(opts) => opts.exec(limits),
        Command::Verify(opts) => opts.exec(limits),
        Command::KindConfig(opts) => opts.exec(limits),
        Command::Images(command) => command.exec(),
    }
}

/// `RUST_LOG=debug` (or any filter) shows every command run and API call on stderr; silent
/// otherwise.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
