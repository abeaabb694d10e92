//! `sidecar-e2e run`: the main job. Plans the matrix, checks the tools, runs every cell (kind
//! clusters, injector, scenarios), reports, and exits 0 only when every check met its
//! expectation. SIGINT/SIGTERM remove everything the run created before it exits.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::errors::ExpectedError;
use super::input::{InputLimits, check_kubeconfig};
use super::live::{interrupted, kind_binary, prepare_kind, runtime};
use super::matrix::{MatrixOpts, image_table};
use super::output_paths::{Named, check_outputs};
use super::progress::stderr_progress;
use super::run_report::{cells_of, host_notes, istio_notes, report, write_compat};
use super::values::at_least_one;
use sidecar_e2e_core::plan::{InjectorSpec, PlannedCell};
use sidecar_e2e_core::report::repeat_markdown;
use sidecar_e2e_core::scenario::Scenario;
use sidecar_e2e_runner::cluster::{ClusterAccess, HostCgroup, MissingTool, find_tool};
use sidecar_e2e_runner::install::Istioctl;
use sidecar_e2e_runner::run::{CellOutcome, Created, Provider, RunConfig, new_run_id, run_all};

/// `--scenario`'s long help: every scenario of the registry with its summary.
fn scenario_help() -> String {
    let mut help = String::from(
        "Scenarios to run in every cell, comma-separated (default: every one that runs there; \
         a scenario that needs native sidecars is left out where the gate is off):",
    );
    for scenario in Scenario::ALL {
        help.push_str(&format!(
            "\n- {}: {}",
            scenario.name(),
            scenario.def().summary
        ));
    }
    help
}

#[derive(Debug, clap::Args)]
pub(super) struct RunOpts {
    #[command(flatten)]
    matrix: MatrixOpts,
    /// Scenarios to run in every cell, comma-separated (default: every one that runs there).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "NAME,...",
        long_help = scenario_help()
    )]
    scenario: Vec<Scenario>,
    /// Where recordings, reports and logs go (default: target/sidecar-e2e/<run-id>/).
    #[arg(long, value_name = "DIR")]
    artifacts: Option<PathBuf>,
    /// How many cells (clusters) run at once (at least 1).
    #[arg(
        long,
        default_value_t = 1,
        value_name = "N",
        value_parser = at_least_one::<usize>,
        allow_negative_numbers = true
    )]
    parallel: usize,
    /// Run the whole matrix N times (fresh clusters each time) and report, per check, how many
    /// runs met its expectation (repeat.md): flakiness as a number. Each run's own reports go
    /// to <artifacts>/run-<i>/.
    #[arg(
        long,
        default_value_t = 1,
        value_name = "N",
        value_parser = at_least_one::<usize>,
        allow_negative_numbers = true
    )]
    repeat: usize,
    /// Keep a failed cell's cluster (or namespaces) and print how to inspect and remove it.
    #[arg(long)]
    keep_on_failure: bool,
    /// Image map (YAML) overriding the upstream images, e.g. the one `sidecar-e2e images build`
    /// wrote; its node images are used and its images loaded into the clusters.
    #[arg(long, value_name = "FILE", env = "SIDECAR_E2E_IMAGE_MAP")]
    image_map: Option<PathBuf>,
    /// The kind binary (default: the one the image map records, else kind on PATH).
    #[arg(long, value_name = "FILE")]
    kind_bin: Option<PathBuf>,
    /// Run on this existing cluster instead of creating kind clusters (one cell; the images must
    /// be pullable there). Checked before anything starts: a file that is missing, unreadable or
    /// not a kubeconfig, or that has no such context, is bad input (exit 2).
    #[arg(long, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
    /// The context in --kubeconfig (default: its current context).
    #[arg(long, requires = "kubeconfig")]
    context: Option<String>,
    /// istioctl for Istio cells (default: istioctl on PATH).
    #[arg(long, value_name = "FILE")]
    istioctl: Option<PathBuf>,
    /// How long one scenario may run before what it did is recorded as is (at least 1).
    #[arg(
        long,
        default_value_t = 180,
        value_name = "SECONDS",
        value_parser = at_least_one::<u64>,
        allow_negative_numbers = true
    )]
    scenario_timeout: u64,
}

impl RunOpts {
    pub(super) fn exec(self, limits: InputLimits) -> Result<(), ExpectedError> {
        if self.matrix.k8s.is_empty() {
            return Err(ExpectedError::NoVersions);
        }
        let plan = self
            .matrix
            .to_request()?
            .resolve()
            .map_err(ExpectedError::Plan)?;
        let refused: Vec<PlannedCell> = plan.cells.iter().filter(|c| !c.valid).cloned().collect();
        let cells = valid_cells(plan.cells)?;
        let access = self.kubeconfig.as_ref().map(|kubeconfig| ClusterAccess {
            kubeconfig: kubeconfig.clone(),
            context: self.context.clone(),
        });
        if let Some(access) = &access {
            if cells.len() != 1 {
                return Err(ExpectedError::OneCellOnExisting { cells: cells.len() });
            }
            // Before the banner and the artifacts directory: a kubeconfig that cannot work is a
            // flag to fix, not a cell that failed to set up.
            check_kubeconfig(access, limits)?;
        }
        let images = image_table(self.image_map.as_deref(), limits)?;
        let istioctl = istioctl_for(&cells, self.istioctl.as_deref(), &images)?;
        let kind_bin = match self.kubeconfig {
            Some(_) => None,
            None => Some(kind_binary(self.kind_bin.as_deref(), &images)?),
        };
        let mut scenarios = if self.scenario.is_empty() {
            Scenario::ALL.to_vec()
        } else {
            self.scenario.clone()
        };
        scenarios.sort();
        scenarios.dedup();
        let run_id = new_run_id(k8s_openapi::jiff::Timestamp::now(), std::process::id());
        let artifacts = self
            .artifacts
            .clone()
            .unwrap_or_else(|| PathBuf::from("target/sidecar-e2e").join(&run_id));
        check_outputs(&self.inputs(), &report_files(&artifacts))?;
        std::fs::create_dir_all(&artifacts).map_err(|source| ExpectedError::WriteFile {
            path: artifacts.display().to_string(),
            source,
        })?;
        let node_image_map = images.node_images.clone();
        let repeat = self.repeat;
        let rt = runtime()?;
        let (runs, host_cgroup): (Vec<(PathBuf, Vec<CellOutcome>)>, Option<HostCgroup>) =
            rt.block_on(async {
            let provider = match (access, kind_bin) {
                (Some(access), _) => Provider::Existing(access),
                (None, Some(bin)) => {
                    // Cells that share a cluster run once; this counts them apart (an upper bound).
                    let at_once = self.parallel.min(cells.len());
                    let kind = prepare_kind(bin, &images, &cells, &artifacts, at_once).await?;
                    Provider::Kind(kind)
                }
                (None, None) => unreachable!("kind is found whenever there is no kubeconfig"),
            };
            let host_cgroup = match &provider {
                Provider::Kind(kind) => Some(kind.host_cgroup()),
                Provider::Existing(_) => None,
            };
            let mut runs = Vec::new();
            for round in 1..=repeat {
                // Each round has its own run id (cluster names, labels) and directory.
                let (round_id, round_dir) = match repeat {
                    1 => (run_id.clone(), artifacts.clone()),
                    _ => (
                        new_run_id(k8s_openapi::jiff::Timestamp::now(), std::process::id()),
                        artifacts.join(format!("run-{round}")),
                    ),
                };
                let config = RunConfig {
                    run_id: round_id.clone(),
                    cells: cells.clone(),
                    scenarios: scenarios.clone(),
                    images: images.clone(),
                    artifacts: round_dir.clone(),
                    parallel: self.parallel,
                    keep_on_failure: self.keep_on_failure,
                    keep_cluster: false,
                    provider: provider.clone(),
                    istioctl: istioctl.clone(),
                    scenario_timeout: Duration::from_secs(self.scenario_timeout),
                };
                let of = match repeat {
                    1 => String::new(),
                    _ => format!(" (round {round} of {repeat})"),
                };
                eprintln!(
                    "run {round_id}{of}: {} cell(s) x {} scenario(s), {} at a time; artifacts in {}",
                    config.cells.len(),
                    config.scenarios.len(),
                    config.parallel,
                    round_dir.display()
                );
                runs.push((round_dir, run_or_interrupt(&config).await?));
            }
            Ok::<_, ExpectedError>((runs, host_cgroup))
        })?;
        let node_images = |k8s| node_image_map.get(&k8s).cloned();
        let mut notes = host_notes(host_cgroup, &cells_of(&runs));
        let injectors: Vec<_> = runs
            .iter()
            .flat_map(|(_, outcomes)| outcomes.iter().map(|o| o.cell.injector))
            .collect();
        notes.extend(istio_notes(&injectors));
        if let [(dir, outcomes)] = runs.as_slice() {
            write_compat(dir, outcomes, &refused, node_images, &notes)?;
            return report(dir, outcomes);
        }
        // Every round's own reports, then the tally; the exit status is the worst round's.
        let mut worst = Ok(());
        for (dir, outcomes) in &runs {
            write_compat(dir, outcomes, &refused, node_images, &notes)?;
            worst = ExpectedError::worse(worst, report(dir, outcomes));
        }
        let verdicts: Vec<Vec<_>> = runs
            .iter()
            .map(|(_, outcomes)| outcomes.iter().filter_map(|o| o.verdict.clone()).collect())
            .collect();
        let tally = repeat_markdown(&verdicts);
        let path = artifacts.join("repeat.md");
        sidecar_e2e_runner::staged::write_whole(&path, tally.as_bytes())?;
        eprintln!("\n{tally}\nrepeat report: {}", path.display());
        worst
    }
}

impl RunOpts {
    /// The files `run` reads, by flag.
    fn inputs(&self) -> Vec<Named> {
        [
            ("--image-map", &self.image_map),
            ("--kubeconfig", &self.kubeconfig),
        ]
        .into_iter()
        .filter_map(|(flag, path)| path.clone().map(|path| Named::new(flag, path)))
        .collect()
    }
}

/// The reports `run` writes at the top of `artifacts`, named by the flag that places them.
fn report_files(artifacts: &Path) -> Vec<Named> {
    [
        "junit.xml",
        "summary.md",
        "verdicts.json",
        "timeline.html",
        "compat.md",
        "repeat.md",
    ]
    .into_iter()
    .map(|name| Named::new(format!("--artifacts ({name})"), artifacts.join(name)))
    .collect()
}

/// Runs every cell unless a signal comes first; then removes what the run created.
pub(super) async fn run_or_interrupt(
    config: &RunConfig,
) -> Result<Vec<CellOutcome>, ExpectedError> {
    let created = Created::default();
    let progress = stderr_progress();
    tokio::select! {
        outcomes = run_all(config, &created, &progress) => Ok(outcomes),
        signal = interrupted() => {
            eprintln!("{signal}: stopping; removing {}", {
                let left = created.describe();
                if left.is_empty() { "nothing (nothing was created yet)".to_owned() } else { left.join(", ") }
            });
            let kind = match &config.provider {
                Provider::Kind(kind) => Some(kind),
                Provider::Existing(_) => None,
            };
            let left = created.remove_all(kind).await;
            Err(ExpectedError::Interrupted { left })
        }
    }
}

/// The valid cells; the invalid ones are named on stderr, and a matrix with none is an error.
fn valid_cells(cells: Vec<PlannedCell>) -> Result<Vec<PlannedCell>, ExpectedError> {
    let (valid, invalid): (Vec<_>, Vec<_>) = cells.into_iter().partition(|c| c.valid);
    let skipped: Vec<String> = invalid
        .iter()
        .map(|c| {
            format!(
                "{}: {}",
                c.cell.slug(),
                c.reason.as_deref().unwrap_or("invalid")
            )
        })
        .collect();
    if valid.is_empty() {
        return Err(ExpectedError::NoValidCells {
            skipped: skipped.join("; "),
        });
    }
    for line in skipped {
        eprintln!("skipping {line}");
    }
    Ok(valid)
}

/// istioctl when some cell installs Istio, found before anything is created: `--istioctl`, else
/// the one the offline build recorded in the image map, else istioctl on PATH.
pub(super) fn istioctl_for(
    cells: &[PlannedCell],
    explicit: Option<&Path>,
    images: &sidecar_e2e_core::plan::ImageTable,
) -> Result<Option<Istioctl>, ExpectedError> {
    if !cells
        .iter()
        .any(|c| matches!(c.injector, InjectorSpec::Istio { .. }))
    {
        return Ok(None);
    }
    let recorded = images
        .tools
        .get("istioctl")
        .map(|tool| std::path::PathBuf::from(&tool.path))
        .filter(|path| path.is_file());
    let explicit = explicit.map(Path::to_path_buf).or(recorded);
    find_tool(
        "istioctl",
        explicit.as_deref(),
        std::env::var_os("PATH").as_deref(),
    )
    .map(|bin| Some(Istioctl { bin }))
    .map_err(|err: MissingTool| ExpectedError::MissingTool(err))
}
