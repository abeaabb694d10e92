//! `sidecar-e2e run`: the main job. Plans the matrix, checks the tools, runs every cell (kind
//! clusters, injector, scenarios), reports, and exits 0 only when every check met its
//! expectation. SIGINT/SIGTERM remove everything the run created before it exits.

use std::fs::File;
use std::io::{BufWriter, IsTerminal};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::errors::ExpectedError;
use super::live::{interrupted, kind_binary, prepare_kind, runtime};
use super::matrix::{MatrixOpts, image_table};
use super::output::Stdout;
use super::progress::stderr_progress;
use crate::cluster::{ClusterAccess, HostCgroup, MissingTool, find_tool};
use crate::install::Istioctl;
use crate::plan::{InjectorSpec, K8sVersion, PlannedCell};
use crate::report::{
    BrokenCell, Colour, CompatCell, CompatResult, JsonSink, JunitSink, MarkdownSink, Reporter,
    TerminalSink, TimelineSink, compat_markdown, repeat_markdown,
};
use crate::run::{CellOutcome, Created, Provider, RunConfig, new_run_id, run_all};
use crate::scenario::Scenario;
use crate::verdict::CheckStatus;

#[derive(Debug, clap::Args)]
pub(super) struct RunOpts {
    #[command(flatten)]
    matrix: MatrixOpts,
    /// Scenarios to run in every cell, comma-separated (default: all four).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "sleep|init-traffic|job|shutdown-traffic,..."
    )]
    scenario: Vec<Scenario>,
    /// Where recordings, reports and logs go (default: target/sidecar-e2e/<run-id>/).
    #[arg(long, value_name = "DIR")]
    artifacts: Option<PathBuf>,
    /// How many cells (clusters) run at once.
    #[arg(long, default_value_t = 1, value_name = "N")]
    parallel: usize,
    /// Run the whole matrix N times (fresh clusters each time) and report, per check, how many
    /// runs met its expectation (repeat.md): flakiness as a number. Each run's own reports go
    /// to <artifacts>/run-<i>/.
    #[arg(long, default_value_t = 1, value_name = "N")]
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
    /// be pullable there).
    #[arg(long, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
    /// The context in --kubeconfig (default: its current context).
    #[arg(long, requires = "kubeconfig")]
    context: Option<String>,
    /// istioctl for Istio cells (default: istioctl on PATH).
    #[arg(long, value_name = "FILE")]
    istioctl: Option<PathBuf>,
    /// How long one scenario may run before what it did is recorded as is.
    #[arg(long, default_value_t = 180, value_name = "SECONDS")]
    scenario_timeout: u64,
}

impl RunOpts {
    pub(super) fn exec(self) -> Result<(), ExpectedError> {
        if self.matrix.k8s.is_empty() {
            return Err(ExpectedError::NoVersions);
        }
        if self.repeat == 0 {
            return Err(ExpectedError::BadFlag {
                flag: "--repeat",
                reason: "must be at least 1".to_owned(),
            });
        }
        if self.parallel == 0 {
            return Err(ExpectedError::BadFlag {
                flag: "--parallel",
                reason: "must be at least 1".to_owned(),
            });
        }
        let plan = self
            .matrix
            .to_request()?
            .resolve()
            .map_err(ExpectedError::Plan)?;
        let refused: Vec<PlannedCell> = plan.cells.iter().filter(|c| !c.valid).cloned().collect();
        let cells = valid_cells(plan.cells)?;
        if self.kubeconfig.is_some() && cells.len() != 1 {
            return Err(ExpectedError::OneCellOnExisting { cells: cells.len() });
        }
        let images = image_table(self.image_map.as_deref())?;
        let istioctl = istioctl_for(&cells, self.istioctl.as_deref())?;
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
        std::fs::create_dir_all(&artifacts).map_err(|source| ExpectedError::WriteFile {
            path: artifacts.display().to_string(),
            source,
        })?;
        let node_image_map = images.node_images.clone();
        let repeat = self.repeat;
        let rt = runtime()?;
        let (runs, host_cgroup): (Vec<(PathBuf, Vec<CellOutcome>)>, Option<HostCgroup>) =
            rt.block_on(async {
            let provider = match (&self.kubeconfig, kind_bin) {
                (Some(kubeconfig), _) => Provider::Existing(ClusterAccess {
                    kubeconfig: kubeconfig.clone(),
                    context: self.context.clone(),
                }),
                (None, Some(bin)) => {
                    let kind = prepare_kind(bin, &images, &cells).await?;
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
        let notes = host_notes(host_cgroup, &cells_of(&runs));
        if let [(dir, outcomes)] = runs.as_slice() {
            write_compat(dir, outcomes, &refused, node_images, &notes)?;
            return report(dir, outcomes);
        }
        // Every round's own reports, then the tally; the exit status is the worst round's.
        let mut worst = Ok(());
        for (dir, outcomes) in &runs {
            write_compat(dir, outcomes, &refused, node_images, &notes)?;
            if let Err(err) = report(dir, outcomes)
                && (worst.is_ok() || matches!(err, ExpectedError::RunSetup { .. }))
            {
                worst = Err(err);
            }
        }
        let verdicts: Vec<Vec<_>> = runs
            .iter()
            .map(|(_, outcomes)| outcomes.iter().filter_map(|o| o.verdict.clone()).collect())
            .collect();
        let tally = repeat_markdown(&verdicts);
        let path = artifacts.join("repeat.md");
        std::fs::write(&path, &tally).map_err(|source| ExpectedError::WriteFile {
            path: path.display().to_string(),
            source,
        })?;
        eprintln!("\n{tally}\nrepeat report: {}", path.display());
        worst
    }
}

/// The minors the run's cells booted.
fn cells_of(runs: &[(PathBuf, Vec<CellOutcome>)]) -> Vec<K8sVersion> {
    runs.iter()
        .flat_map(|(_, outcomes)| outcomes.iter().map(|o| o.cell.k8s))
        .collect()
}

/// What the run changed about the clusters because of the host, said where the grid is read.
fn host_notes(host: Option<HostCgroup>, minors: &[K8sVersion]) -> Vec<String> {
    let adjusted: Vec<String> = minors
        .iter()
        .filter(|k8s| host == Some(HostCgroup::V1) && k8s.kubelet_refuses_cgroup_v1())
        .map(ToString::to_string)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if adjusted.is_empty() {
        return Vec::new();
    }
    vec![format!(
        "Host adjustment: this Docker host runs cgroup v1, so the kubelets of {} ran with \
         `failCgroupV1: false` (from 1.35 a kubelet refuses cgroup v1 hosts otherwise).",
        adjusted.join(", ")
    )]
}

/// `compat.md`: the version x gate grid of this run (refused cells with their reason) and the
/// host adjustments, also printed to stderr.
fn write_compat(
    artifacts: &Path,
    outcomes: &[CellOutcome],
    refused: &[PlannedCell],
    node_image: impl Fn(K8sVersion) -> Option<String>,
    notes: &[String],
) -> Result<(), ExpectedError> {
    let mut cells: Vec<CompatCell> = outcomes
        .iter()
        .map(|o| compat_cell(o, &node_image))
        .collect();
    cells.extend(refused.iter().map(|c| CompatCell {
        cell: c.cell,
        result: CompatResult::Refused {
            reason: c.reason.clone().unwrap_or_else(|| "invalid".to_owned()),
        },
        server_version: None,
        node_image: None,
        same_cluster_as: None,
    }));
    let today = k8s_openapi::jiff::Timestamp::now().to_string();
    let mut grid = compat_markdown(&cells, today.get(..10).unwrap_or(&today));
    for note in notes {
        grid.push_str(&format!("\n{note}\n"));
    }
    let path = artifacts.join("compat.md");
    std::fs::write(&path, &grid).map_err(|source| ExpectedError::WriteFile {
        path: path.display().to_string(),
        source,
    })?;
    eprintln!("\n{grid}");
    Ok(())
}

fn compat_cell(
    outcome: &CellOutcome,
    node_image: impl Fn(K8sVersion) -> Option<String>,
) -> CompatCell {
    let statuses: Vec<CheckStatus> = outcome
        .verdict
        .iter()
        .flat_map(|v| &v.scenarios)
        .flat_map(|s| &s.results)
        .map(|r| r.status)
        .collect();
    let count = |status| statuses.iter().filter(|s| **s == status).count();
    let result = match outcome.setup_failures.first() {
        Some(failure) => CompatResult::Broken {
            phase: failure.phase.name().to_owned(),
        },
        None if count(CheckStatus::Fail) > 0 => CompatResult::Failed {
            failed: count(CheckStatus::Fail),
            decided: count(CheckStatus::Fail) + count(CheckStatus::Pass),
        },
        None => CompatResult::Passed {
            passed: count(CheckStatus::Pass),
            not_applicable: count(CheckStatus::NotApplicable),
        },
    };
    CompatCell {
        cell: outcome.cell,
        result,
        server_version: outcome
            .recording
            .as_ref()
            .map(|r| r.cluster.server_version.clone())
            .filter(|v| !v.is_empty()),
        node_image: node_image(outcome.cell.k8s),
        same_cluster_as: outcome.same_cluster_as.clone(),
    }
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

/// istioctl when some cell installs Istio: found before anything is created.
pub(super) fn istioctl_for(
    cells: &[PlannedCell],
    explicit: Option<&Path>,
) -> Result<Option<Istioctl>, ExpectedError> {
    if !cells
        .iter()
        .any(|c| matches!(c.injector, InjectorSpec::Istio { .. }))
    {
        return Ok(None);
    }
    find_tool("istioctl", explicit, std::env::var_os("PATH").as_deref())
        .map(|bin| Some(Istioctl { bin }))
        .map_err(|err: MissingTool| ExpectedError::MissingTool(err))
}

/// The timeline page in the artifacts directory, linked from `summary.md` beside it.
const TIMELINE: &str = "timeline.html";

/// The terminal table, `junit.xml`, `summary.md`, `verdicts.json` and `timeline.html`; setup
/// failures after.
fn report(artifacts: &Path, outcomes: &[CellOutcome]) -> Result<(), ExpectedError> {
    let colour = if std::io::stdout().is_terminal() {
        Colour::Ansi
    } else {
        Colour::Plain
    };
    let create = |name: &str| {
        let path = artifacts.join(name);
        File::create(&path)
            .map(BufWriter::new)
            .map_err(|source| ExpectedError::WriteFile {
                path: path.display().to_string(),
                source,
            })
            .map(|file| (file, path.display().to_string()))
    };
    let (junit, junit_path) = create("junit.xml")?;
    let (markdown, markdown_path) = create("summary.md")?;
    let (json, json_path) = create("verdicts.json")?;
    let (timeline, timeline_path) = create(TIMELINE)?;
    let recordings = outcomes
        .iter()
        .filter_map(|o| o.recording.clone())
        .collect();
    let mut reporter = Reporter::new()
        .with_sink(
            TerminalSink::new(Stdout, "standard output", colour)
                .with_timeline(timeline_path.clone()),
        )
        .with_sink(JunitSink::new(junit, junit_path))
        .with_sink(MarkdownSink::new(markdown, markdown_path.clone()).with_timeline(TIMELINE))
        .with_sink(JsonSink::new(json, json_path))
        .with_sink(TimelineSink::new(timeline, timeline_path, recordings));
    for outcome in outcomes {
        if let Some(verdict) = &outcome.verdict {
            reporter
                .cell_judged(verdict)
                .map_err(ExpectedError::Report)?;
        }
        if !outcome.setup_failures.is_empty() {
            let broken = BrokenCell {
                cell: outcome.slug.clone(),
                failures: outcome
                    .setup_failures
                    .iter()
                    .map(ToString::to_string)
                    .collect(),
            };
            reporter
                .cell_broken(&broken)
                .map_err(ExpectedError::Report)?;
        }
    }
    let summary = reporter.finish().map_err(ExpectedError::Report)?;
    for outcome in outcomes {
        if let Some(kept) = &outcome.kept {
            eprintln!("{}: {kept}", outcome.slug);
        }
    }
    eprintln!("artifacts: {}", artifacts.display());
    if summary.broken > 0 {
        return Err(ExpectedError::RunSetup {
            failed: summary.broken,
        });
    }
    if summary.failed > 0 {
        return Err(ExpectedError::ChecksFailed {
            failed: summary.failed,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recording::Recording;
    use crate::verdict::judge;

    fn live(cell: &str) -> Recording {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/recordings/live-1.32")
            .join(cell)
            .join("job.json");
        let text = std::fs::read_to_string(&path).expect("a committed recording");
        Recording::from_json(&text, "job.json").expect("a recording")
    }

    #[test]
    fn the_cgroup_v1_adjustment_is_said_for_the_minors_it_touched_only() {
        let minors: Vec<K8sVersion> = [32, 37, 35, 37].map(K8sVersion::new).to_vec();
        let notes = host_notes(Some(HostCgroup::V1), &minors);
        assert_eq!(notes.len(), 1);
        assert!(
            notes[0].contains("kubelets of 1.35, 1.37 ran with `failCgroupV1: false`"),
            "{notes:?}"
        );
        assert!(host_notes(Some(HostCgroup::V2), &minors).is_empty());
        assert!(host_notes(Some(HostCgroup::V1), &[K8sVersion::new(32)]).is_empty());
        assert!(host_notes(None, &minors).is_empty());
    }

    #[test]
    fn the_run_writes_the_timeline_beside_the_summary_that_links_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let outcomes: Vec<CellOutcome> = ["1-32-on-builtin-auto", "1-32-off-builtin-auto"]
            .into_iter()
            .map(|slug| {
                let recording = live(slug);
                CellOutcome {
                    cell: recording.cell,
                    slug: slug.to_owned(),
                    verdict: Some(judge(&recording).expect("judgeable")),
                    recording: Some(recording),
                    setup_failures: vec![],
                    timings: vec![],
                    kept: None,
                    same_cluster_as: None,
                }
            })
            .collect();
        report(dir.path(), &outcomes).expect("every check passes");
        let page = std::fs::read_to_string(dir.path().join("timeline.html")).expect("written");
        assert!(page.contains("data-gate=\"on\"") && page.contains("data-gate=\"off\""));
        assert!(
            page.contains("data-pod=\"job-b8rkr\""),
            "the native Job's pod"
        );
        let summary = std::fs::read_to_string(dir.path().join("summary.md")).expect("written");
        assert!(
            summary.starts_with("# sidecar-e2e\n\n[Container timelines](timeline.html)"),
            "{summary}"
        );
    }
}
