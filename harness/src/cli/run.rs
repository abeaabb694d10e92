//! `sidecar-e2e run`: the main job. Plans the matrix, checks the tools, runs every cell (kind
//! clusters, injector, scenarios), reports, and exits 0 only when every check met its
//! expectation. SIGINT/SIGTERM remove everything the run created before it exits.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::errors::ExpectedError;
use super::images::{build_image_map, write_image_map};
use super::input::InputLimits;
use super::kubeconfig::check_kubeconfig;
use super::live::{interrupted, kind_binary, prepare_kind, runtime};
use super::matrix::{MatrixOpts, image_table};
use super::output_paths::{Named, check_outputs};
use super::progress::stderr_progress;
use super::run_report::{cells_of, host_notes, istio_notes, report, write_compat};
use super::scenario_files::ScenarioOpts;
use super::values::at_least_one;
use sidecar_e2e_core::plan::{Install, PlannedCell};
use sidecar_e2e_core::report::repeat_markdown;
use sidecar_e2e_core::scenario::Scenario;
use sidecar_e2e_runner::cluster::{
    ClusterAccess, HostCgroup, KindProvider, MissingTool, find_run_tool,
};
use sidecar_e2e_runner::install::Istioctl;
use sidecar_e2e_runner::run::{CellOutcome, Provider, Round, Rounds, RunConfig, new_run_id};

/// `--scenario`'s long help: every scenario of the registry with its summary.
fn scenario_help() -> String {
    let mut help = String::from(
        "Scenarios to run in every cell, comma-separated (default: every one that runs there; \
         a scenario that needs native sidecars is left out where the gate is off; the files of \
         --scenarios are chosen by their names too):",
    );
    for scenario in Scenario::ALL {
        help.push_str(&format!("\n- {}: {}", scenario.name(), scenario.summary()));
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
    scenario: Vec<String>,
    #[command(flatten)]
    scenarios: ScenarioOpts,
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
    /// wrote; its node images are used and its images loaded into the clusters. With
    /// --build-images, where the built map is written (default: target/sidecar-e2e/images.yaml).
    #[arg(long, value_name = "FILE", env = "SIDECAR_E2E_IMAGE_MAP")]
    image_map: Option<PathBuf>,
    /// First build, offline, the images of the minors and injectors the matrix runs (as
    /// `sidecar-e2e images build`, cached: seconds when nothing changed), and run with them.
    #[arg(long)]
    build_images: bool,
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
            .to_request(limits)?
            .resolve()
            .map_err(ExpectedError::Plan)?;
        let scenarios = self.scenarios.resolve(&self.scenario, limits)?;
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
        let image_map = match self.build_images {
            true => Some(self.build_images_for(&cells)?),
            false => self.image_map.clone(),
        };
        let images = image_table(image_map.as_deref(), limits)?;
        // The plan decides each cell's node image once: the image map's where it names one.
        let cells: Vec<PlannedCell> = cells.into_iter().map(|c| c.on_images(&images)).collect();
        let istioctl = istioctl_for(&cells, self.istioctl.as_deref(), &images)?;
        let kind_bin = match self.kubeconfig {
            Some(_) => None,
            None => Some(kind_binary(self.kind_bin.as_deref(), &images)?),
        };
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
        let rounds = runtime()?.block_on(async {
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
            let config = RunConfig::new(
                run_id,
                cells.clone(),
                images.clone(),
                provider,
                artifacts.clone(),
            )
            .scenarios(&scenarios)
            .parallel(self.parallel)
            .keep_on_failure(self.keep_on_failure)
            .istioctl(istioctl)
            .scenario_timeout(Duration::from_secs(self.scenario_timeout));
            let host_cgroup = config.provider.kind().map(KindProvider::host_cgroup);
            let rounds = run_or_interrupt(Rounds::new(config, self.repeat)).await?;
            Ok::<_, ExpectedError>((rounds, host_cgroup))
        });
        let (rounds, host_cgroup) = rounds?;
        write_reports(&artifacts, &rounds, &refused, &images, host_cgroup)
    }
}

/// Every round's reports and compatibility grid, and with several rounds the tally
/// (`repeat.md`); the exit status is the worst round's.
fn write_reports(
    artifacts: &Path,
    rounds: &[Round],
    refused: &[PlannedCell],
    images: &sidecar_e2e_core::plan::ImageTable,
    host_cgroup: Option<HostCgroup>,
) -> Result<(), ExpectedError> {
    let node_images = |k8s| images.node_images.get(&k8s).cloned();
    let outcomes: Vec<&[CellOutcome]> = rounds.iter().map(|r| r.outcomes.as_slice()).collect();
    let mut notes = host_notes(host_cgroup, &cells_of(&outcomes));
    let injectors: Vec<_> = outcomes
        .iter()
        .flat_map(|o| o.iter().map(|o| o.cell.injector))
        .collect();
    notes.extend(istio_notes(&injectors));
    let mut worst = Ok(());
    for round in rounds {
        write_compat(&round.dir, &round.outcomes, refused, node_images, &notes)?;
        worst = ExpectedError::worse(worst, report(&round.dir, &round.outcomes));
    }
    if let [_, _, ..] = rounds {
        let verdicts: Vec<Vec<_>> = rounds
            .iter()
            .map(|r| {
                r.outcomes
                    .iter()
                    .filter_map(|o| o.verdict.clone())
                    .collect()
            })
            .collect();
        let tally = repeat_markdown(&verdicts);
        let path = artifacts.join("repeat.md");
        sidecar_e2e_runner::staged::write_whole(&path, tally.as_bytes())?;
        eprintln!("\n{tally}\nrepeat report: {}", path.display());
    }
    worst
}

impl RunOpts {
    /// Builds the offline images `cells` need and writes their map (to --image-map, else
    /// target/sidecar-e2e/images.yaml); returns where.
    fn build_images_for(&self, cells: &[PlannedCell]) -> Result<PathBuf, ExpectedError> {
        // A worker of another minor needs that minor's node image too.
        let mut minors: Vec<_> = cells
            .iter()
            .flat_map(|c| std::iter::once(c.cell.k8s).chain(c.cell.worker))
            .collect();
        minors.sort();
        minors.dedup();
        let injectors: Vec<_> = cells.iter().map(|c| c.cell.injector).collect();
        let built = build_image_map(minors, &injectors)?;
        let path = self
            .image_map
            .clone()
            .unwrap_or_else(|| PathBuf::from("target/sidecar-e2e/images.yaml"));
        write_image_map(&path, &built.yaml)?;
        // A minor that did not build cannot run: nothing starts.
        built.outcome.map(|()| path)
    }

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

/// Runs every round unless a signal comes first (the runner then removes what it created).
pub(super) async fn run_or_interrupt(rounds: Rounds) -> Result<Vec<Round>, ExpectedError> {
    rounds
        .run(interrupted(), &stderr_progress())
        .await
        .map_err(|stopped| ExpectedError::Interrupted { left: stopped.left })
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
        .any(|c| matches!(c.cell.injector.profile().install, Install::Istioctl(_)))
    {
        return Ok(None);
    }
    find_run_tool("istioctl", explicit, images)
        .map(|bin| Some(Istioctl { bin }))
        .map_err(|err: MissingTool| ExpectedError::MissingTool(err))
}
