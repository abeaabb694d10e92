//! `sidecar-e2e run`, the orchestration: for each planned cell, a cluster (kind, or one the user
//! brings), the capability probe, the injector, every scenario recorded in parallel, judged, and
//! written to the artifacts directory; cells run `parallel` at a time. Everything the run creates
//! is registered in [`Created`] so an interruption can remove it.

mod artifacts;
mod cell;
mod cell_cluster;
mod cleanup;
mod id;
mod outcome;
mod phases;
mod rounds;
mod scenarios;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;

pub use artifacts::{ArtifactError, PhaseDetails, cell_dir, write_recordings, write_timings};
pub use cell::{images_to_load, run_cell};
pub use cleanup::Created;
pub use id::{CLUSTER_PREFIX, cluster_name, new_run_id, run_of_cluster, run_started};
pub use outcome::{CellOutcome, SetupFailure};
pub use rounds::{Interrupted, Round, Rounds};
pub use scenarios::run_scenario;

use crate::cluster::{ClusterAccess, KindProvider};
use crate::install::Istioctl;
use sidecar_e2e_core::plan::{ImageTable, PlannedCell, group_cells, longest_first};
use sidecar_e2e_core::scenario::Scenario;

/// Where clusters come from.
#[derive(Debug, Clone)]
pub enum Provider {
    /// kind clusters the run creates and deletes.
    Kind(KindProvider),
    /// A cluster the user brings; the run only creates (and removes) namespaces in it.
    Existing(ClusterAccess),
}

impl Provider {
    /// kind, where the run makes its clusters (what removing them needs).
    pub fn kind(&self) -> Option<&KindProvider> {
        match self {
            Provider::Kind(kind) => Some(kind),
            Provider::Existing(_) => None,
        }
    }
}

/// Everything a run needs, decided before anything is created.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// The run id (labels, names).
    pub run_id: String,
    /// The valid cells to run.
    pub cells: Vec<PlannedCell>,
    /// The scenarios to run in each.
    pub scenarios: Vec<Scenario>,
    /// Every image.
    pub images: ImageTable,
    /// Where recordings, reports and logs go.
    pub artifacts: PathBuf,
    /// Cells at once.
    pub parallel: usize,
    /// Keep a failed cell's cluster (or namespaces) for inspection.
    pub keep_on_failure: bool,
    /// Keep every cell's cluster (`sidecar-e2e cluster up`: the suites run on it next).
    pub keep_cluster: bool,
    /// Where clusters come from.
    pub provider: Provider,
    /// istioctl, when a cell installs Istio.
    pub istioctl: Option<Istioctl>,
    /// Per-scenario deadline.
    pub scenario_timeout: Duration,
}

impl RunConfig {
    /// A run `run_id` of `cells` on clusters from `provider`, writing to `artifacts`, with
    /// every scenario, one cell at a time, clusters deleted after, and the default deadline;
    /// the builder methods below change those.
    pub fn new(
        run_id: impl Into<String>,
        cells: Vec<PlannedCell>,
        images: ImageTable,
        provider: Provider,
        artifacts: PathBuf,
    ) -> Self {
        RunConfig {
            run_id: run_id.into(),
            cells,
            scenarios: Scenario::every(),
            images,
            artifacts,
            // One cluster at a time: each takes most of a 2-core machine while it boots.
            parallel: 1,
            keep_on_failure: false,
            keep_cluster: false,
            provider,
            istioctl: None,
            scenario_timeout: DEFAULT_SCENARIO_TIMEOUT,
        }
    }

    /// Runs these scenarios (each once, in registry order) instead of every one.
    #[must_use]
    pub fn scenarios(mut self, scenarios: &[Scenario]) -> Self {
        if !scenarios.is_empty() {
            let mut chosen = scenarios.to_vec();
            chosen.sort();
            chosen.dedup();
            self.scenarios = chosen;
        }
        self
    }

    /// Runs `parallel` cells at once (at least one).
    #[must_use]
    pub fn parallel(mut self, parallel: usize) -> Self {
        self.parallel = parallel.max(1);
        self
    }

    /// Keeps a failed cell's cluster (or namespaces) for inspection.
    #[must_use]
    pub fn keep_on_failure(mut self, keep: bool) -> Self {
        self.keep_on_failure = keep;
        self
    }

    /// Keeps every cell's cluster (`cluster up`: the suites run on it next).
    #[must_use]
    pub fn keep_cluster(mut self, keep: bool) -> Self {
        self.keep_cluster = keep;
        self
    }

    /// The istioctl that installs Istio cells.
    #[must_use]
    pub fn istioctl(mut self, istioctl: Option<Istioctl>) -> Self {
        self.istioctl = istioctl;
        self
    }

    /// How long one scenario may run before what it did is recorded as is.
    #[must_use]
    pub fn scenario_timeout(mut self, timeout: Duration) -> Self {
        self.scenario_timeout = timeout;
        self
    }
}

/// How long one scenario may run by default: the longest known-bug scenario needs about a
/// minute and a half on a loaded 2-core machine; twice that is room.
pub const DEFAULT_SCENARIO_TIMEOUT: Duration = Duration::from_secs(180);

/// A phase of a cell, for progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Creating the kind cluster and waiting for its node.
    ClusterUp,
    /// The capability probe and versions.
    Probe,
    /// Loading images into the nodes.
    LoadImages,
    /// Installing the injector.
    Install,
    /// Recording the scenarios.
    Scenarios,
    /// Exporting logs after a failure.
    CollectLogs,
    /// Deleting the cluster or namespaces.
    Teardown,
}

impl Phase {
    /// The phase's name in progress lines and BENCHMARKS.md.
    pub fn name(self) -> &'static str {
        match self {
            Phase::ClusterUp => "cluster up",
            Phase::Probe => "probe",
            Phase::LoadImages => "load images",
            Phase::Install => "install",
            Phase::Scenarios => "scenarios",
            Phase::CollectLogs => "collect logs",
            Phase::Teardown => "teardown",
        }
    }
}

/// What progress reporting hears.
#[derive(Debug, Clone)]
pub enum ProgressEvent {
    /// A cell entered a phase.
    Started {
        /// The cell's slug.
        cell: String,
        /// The phase.
        phase: Phase,
    },
    /// A phase ended (well or not).
    Finished {
        /// The cell's slug.
        cell: String,
        /// The phase.
        phase: Phase,
        /// How long it took.
        took: Duration,
        /// Why it failed, if it did.
        error: Option<String>,
    },
    /// A cell is done: its cluster deleted (or kept).
    CellFinished {
        /// The cell's slug.
        cell: String,
        /// Every check met its expectation and nothing broke.
        passed: bool,
    },
    /// A round of the run starts (`round` of `of`).
    RoundStarted {
        /// The round's run id.
        run_id: String,
        /// Which round, from 1.
        round: usize,
        /// How many rounds.
        of: usize,
        /// How many cells it runs.
        cells: usize,
        /// How many scenarios each cell runs.
        scenarios: usize,
        /// Cells at once.
        parallel: usize,
        /// Where its artifacts go.
        dir: PathBuf,
    },
    /// A signal came: the run stops and removes what it created.
    Stopping {
        /// `SIGINT`, `SIGTERM`, or a panic of the harness.
        signal: &'static str,
        /// What it is removing.
        removing: Vec<String>,
    },
    /// A free-form note (kept clusters, warnings).
    Note {
        /// The cell's slug.
        cell: String,
        /// The text.
        text: String,
    },
}

/// Where progress goes (a terminal's bars or plain lines: the CLI decides).
pub type Progress = Arc<dyn Fn(ProgressEvent) + Send + Sync>;

/// Runs every cell, `parallel` at a time, the longest first ([`longest_first`]), and returns
/// their outcomes in plan order. Cells that boot the same cluster and run the same thing
/// ([`group_cells`]: from 1.33, gate on and default) run once; the others of the group are
/// reported from that run under their own names.
pub async fn run_all(
    config: &RunConfig,
    created: &Created,
    progress: &Progress,
) -> Vec<CellOutcome> {
    let groups = group_cells(&config.cells);
    let order = longest_first(&config.cells, &groups);
    let ran: Vec<(usize, CellOutcome)> = futures::stream::iter(order)
        .map(|index| async move {
            let cell = &config.cells[index];
            (index, run_cell(config, cell, created, progress).await)
        })
        .buffer_unordered(config.parallel.max(1))
        .collect()
        .await;
    let mut outcomes: Vec<(usize, CellOutcome)> = Vec::new();
    for (index, outcome) in ran {
        let group = groups.iter().find(|g| g.runs == index);
        for &also in group.map(|g| g.also.as_slice()).unwrap_or_default() {
            let stand_in = outcome.stand_in_for(&config.cells[also], &config.artifacts);
            progress(ProgressEvent::Note {
                cell: stand_in.slug.clone(),
                text: format!("same cluster as {}: reported from its run", outcome.slug),
            });
            outcomes.push((also, stand_in));
        }
        outcomes.push((index, outcome));
    }
    outcomes.sort_by_key(|(index, _)| *index);
    outcomes.into_iter().map(|(_, outcome)| outcome).collect()
}
