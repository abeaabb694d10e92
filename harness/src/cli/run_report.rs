//! What `run` writes when its cells are done: the terminal table, `junit.xml`, `summary.md`,
//! `verdicts.json`, `timeline.html`, and `compat.md` (the version x gate grid with the host's
//! adjustments).

use std::io::IsTerminal;
use std::path::Path;

use super::errors::ExpectedError;
use super::output::Stdout;
use sidecar_e2e_core::plan::{InjectorSpec, K8sVersion, PlannedCell};
use sidecar_e2e_core::report::{
    BrokenCell, Colour, CompatCell, CompatResult, JsonSink, JunitSink, MarkdownSink, Reporter,
    TerminalSink, TimelineSink, compat_markdown, visible,
};
use sidecar_e2e_core::scenario::KnownBug;
use sidecar_e2e_core::verdict::CheckStatus;
use sidecar_e2e_runner::cluster::HostCgroup;
use sidecar_e2e_runner::run::CellOutcome;
use sidecar_e2e_runner::staged::{Staged, write_whole};

/// The minors the run's cells booted.
pub(super) fn cells_of(rounds: &[&[CellOutcome]]) -> Vec<K8sVersion> {
    rounds
        .iter()
        .flat_map(|outcomes| outcomes.iter().map(|o| o.cell.k8s))
        .collect()
}

/// What the run changed about the clusters because of the host, said where the grid is read.
pub(super) fn host_notes(host: Option<HostCgroup>, minors: &[K8sVersion]) -> Vec<String> {
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

/// What an Istio cell ran that a stock Istio would not, said beside the grid whenever a run has
/// one (docs/istio.md).
pub(super) fn istio_notes(injectors: &[InjectorSpec]) -> Vec<String> {
    let Some(istio) = injectors.iter().find(|i| i.is("istio")) else {
        return Vec::new();
    };
    // What the profile switches off for upstream Envoy: its `=false` settings.
    let switched_off: Vec<String> = match &istio.profile().install {
        sidecar_e2e_core::plan::Install::Istioctl(install) => install
            .set
            .iter()
            .filter(|s| s.ends_with("=false"))
            .map(|s| format!("`{s}`"))
            .collect(),
        sidecar_e2e_core::plan::Install::Manifests(_) => Vec::new(),
    };
    vec![format!(
        "Istio adjustment: the Istio cells ran Istio built offline from its Go module (docs/istio.md) \
         with upstream Envoy 1.40 as istio-proxy, not Istio's own proxy build, and with {}: no \
         peer-metadata exchange, no ALPN filter, no `istio_*` metrics.",
        switched_off.join(", ")
    )]
}

/// The checks of a cell that showed a known bug open upstream (no released patch has the fix),
/// with that bug.
fn open_upstream_shown(outcome: &CellOutcome) -> Vec<&'static KnownBug> {
    outcome
        .verdict
        .iter()
        .flat_map(|v| &v.scenarios)
        .flat_map(|s| &s.results)
        .filter(|r| r.status == CheckStatus::KnownBug)
        .filter_map(|r| r.check.known_bug())
        .filter(|bug| bug.is_open_upstream())
        .collect()
}

/// Under the grid: each known bug open upstream that showed, where, and where its fix stands,
/// so a reader of the grid does not take "known bug" for "fixed in a later patch".
pub(super) fn open_upstream_notes(outcomes: &[CellOutcome]) -> Vec<String> {
    let mut bugs: Vec<(&'static KnownBug, Vec<String>)> = Vec::new();
    for outcome in outcomes {
        for bug in open_upstream_shown(outcome) {
            let version = outcome
                .recording
                .as_ref()
                .map(|r| r.cluster.server_version.clone())
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| outcome.cell.k8s.to_string());
            match bugs.iter_mut().find(|(b, _)| *b == bug) {
                Some((_, seen)) if seen.contains(&version) => {}
                Some((_, seen)) => seen.push(version),
                None => bugs.push((bug, vec![version])),
            }
        }
    }
    bugs.into_iter()
        .map(|(bug, seen)| {
            format!(
                "Known bug open upstream: {} ({}), {}: shown on {}; {}.",
                bug.id,
                bug.url,
                bug.title,
                seen.join(", "),
                bug.fix_status()
            )
        })
        .collect()
}

/// `compat.md`: the version x gate grid of this run (refused cells with their reason), the known
/// bugs open upstream it showed, and the host adjustments, also printed to stderr.
pub(super) fn write_compat(
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
    for note in open_upstream_notes(outcomes).iter().chain(notes) {
        grid.push_str(&format!("\n{note}\n"));
    }
    write_whole(&artifacts.join("compat.md"), grid.as_bytes())?;
    eprintln!("\n{}", visible(&grid));
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
        None if count(CheckStatus::HarnessFault) > 0 => CompatResult::Undecided {
            harness_faults: count(CheckStatus::HarnessFault),
            passed: count(CheckStatus::Pass),
        },
        None => CompatResult::Passed {
            passed: count(CheckStatus::Pass),
            not_applicable: count(CheckStatus::NotApplicable),
            known_bugs: count(CheckStatus::KnownBug),
            open_upstream: open_upstream_shown(outcome).len(),
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

/// The timeline page in the artifacts directory, linked from `summary.md` beside it.
const TIMELINE: &str = "timeline.html";

/// The terminal table, `junit.xml`, `summary.md`, `verdicts.json` and `timeline.html`; setup
/// failures after.
pub(super) fn report(artifacts: &Path, outcomes: &[CellOutcome]) -> Result<(), ExpectedError> {
    let colour = if std::io::stdout().is_terminal() {
        Colour::Ansi
    } else {
        Colour::Plain
    };
    // The four reports land together, whole, once every sink has written its own.
    let mut staged = Staged::new();
    let mut create = |name: &str| {
        let path = artifacts.join(name);
        staged
            .create(&path)
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
    staged.commit()?;
    for outcome in outcomes {
        if let Some(kept) = &outcome.kept {
            eprintln!("{}: {}", outcome.slug, visible(kept));
        }
    }
    eprintln!("artifacts: {}", artifacts.display());
    ExpectedError::from_summary(&summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sidecar_e2e_core::recording::Recording;
    use sidecar_e2e_core::verdict::judge;

    fn live(cell: &str) -> Recording {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../testdata/recordings/live-1.32")
            .join(cell)
            .join("job.json");
        let text = std::fs::read_to_string(&path).expect("a committed recording");
        Recording::from_json(&text, "job.json").expect("a recording")
    }

    #[test]
    fn the_grid_counts_and_names_a_known_bug_open_upstream() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(
            "../testdata/recordings/live-1.37/1-37-on-builtin-auto/started-after-liveness.json",
        );
        let text = std::fs::read_to_string(&path).expect("a committed recording");
        let recording = Recording::from_json(&text, "started-after-liveness.json").expect("ok");
        let outcome = CellOutcome {
            cell: recording.cell,
            slug: "1-37-on-builtin-auto".to_owned(),
            verdict: Some(judge(&recording).expect("judgeable")),
            recording: Some(recording),
            setup_failures: vec![],
            timings: vec![],
            kept: None,
            same_cluster_as: None,
        };
        let cell = compat_cell(&outcome, |_| None);
        assert_eq!(
            cell.result,
            CompatResult::Passed {
                passed: 1,
                not_applicable: 0,
                known_bugs: 1,
                open_upstream: 1,
            }
        );
        let notes = open_upstream_notes(std::slice::from_ref(&outcome));
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].starts_with("Known bug open upstream: kubernetes#141155 (")
                && notes[0]
                    .contains("shown on v1.37.2; open upstream: no released patch has the fix"),
            "{notes:?}"
        );
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
    fn istio_cells_say_what_differs_from_a_stock_istio() {
        let notes = istio_notes(&[InjectorSpec::builtin(), InjectorSpec::istio(31)]);
        assert_eq!(notes.len(), 1);
        for needed in [
            "upstream Envoy 1.40",
            "PILOT_ENABLE_METADATA_EXCHANGE=false",
            "PILOT_ENABLE_ALPN_FILTER=false",
            "values.telemetry.enabled=false",
            "no `istio_*` metrics",
        ] {
            assert!(notes[0].contains(needed), "{needed}: {notes:?}");
        }
        assert!(istio_notes(&[InjectorSpec::builtin()]).is_empty());
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
