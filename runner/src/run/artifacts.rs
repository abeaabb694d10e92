//! The artifacts directory of a run: `<cell>/<scenario>.json` (one recording per cell x
//! scenario, each re-checkable with `sidecar-e2e verify`), `<cell>/timings.json`,
//! `<cell>/kind-config.yaml` and `<cell>/kubeconfig`, kind logs on failure; and at the top,
//! `junit.xml`, `summary.md`, `verdicts.json` and `timeline.html` (written by the report sinks:
//! `cli/run.rs` opens them here).

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::Phase;
use sidecar_e2e_core::recording::Recording;

/// A file could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {path}")]
pub struct ArtifactError {
    /// The file.
    pub path: String,
    /// Why.
    #[source]
    pub source: std::io::Error,
}

impl From<crate::staged::StageError> for ArtifactError {
    fn from(err: crate::staged::StageError) -> Self {
        ArtifactError {
            path: err.path,
            source: err.source,
        }
    }
}

/// The directory of one cell.
pub fn cell_dir(artifacts: &Path, slug: &str) -> PathBuf {
    artifacts.join(slug)
}

/// Writes `text` to `path` whole (a temporary file renamed into place): a run killed meanwhile
/// leaves the old file or none, never half a recording.
fn write(path: &Path, text: &str) -> Result<(), ArtifactError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| ArtifactError {
            path: path.display().to_string(),
            source,
        })?;
    }
    Ok(crate::staged::write_whole(path, text.as_bytes())?)
}

/// One recording per scenario, `dir/<scenario>.json`, each a complete recording of the cell
/// with that one scenario.
///
/// # Errors
/// [`ArtifactError`].
pub fn write_recordings(dir: &Path, recording: &Recording) -> Result<Vec<PathBuf>, ArtifactError> {
    let mut written = Vec::new();
    for scenario in &recording.scenarios {
        let one = Recording {
            scenarios: vec![scenario.clone()],
            ..recording.clone()
        };
        let path = dir.join(format!("{}.json", scenario.scenario));
        let text = serde_json::to_string_pretty(&one).unwrap_or_default() + "\n";
        write(&path, &text)?;
        written.push(path);
    }
    Ok(written)
}

/// A scenario's attempt that a harness fault spoiled, kept beside the judged one:
/// `dir/attempts/<scenario>-<attempt>.json` (a recording of the cell with that one scenario).
///
/// # Errors
/// [`ArtifactError`].
pub fn write_attempt(dir: &Path, recording: &Recording) -> Result<PathBuf, ArtifactError> {
    let name = match recording.scenarios.as_slice() {
        [one] => format!("{}-{}.json", one.scenario, one.attempt),
        _ => "attempt.json".to_owned(),
    };
    let path = dir.join("attempts").join(name);
    let text = serde_json::to_string_pretty(recording).unwrap_or_default() + "\n";
    write(&path, &text)?;
    Ok(path)
}

/// What `timings.json` says beyond each phase's length.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PhaseDetails {
    /// The steps of `cluster up`, in order (`kind create`, `nodes Ready`, `kube-system Ready`).
    pub cluster_up: Vec<(&'static str, Duration)>,
    /// What `load images` loaded, when it ran.
    pub load: Option<crate::cluster::LoadReport>,
}

/// `dir/timings.json`: each phase of the cell in milliseconds, in order; `cluster up` with its
/// steps, `load images` with what it loaded (`"loaded": "nothing"` when the nodes held every
/// image), how long the loading itself took, and what the nodes already held.
///
/// # Errors
/// [`ArtifactError`].
pub fn write_timings(
    dir: &Path,
    timings: &[(Phase, Duration)],
    details: &PhaseDetails,
) -> Result<(), ArtifactError> {
    let text = serde_json::to_string_pretty(&timings_json(timings, details)).unwrap_or_default();
    write(&dir.join("timings.json"), &(text + "\n"))
}

fn timings_json(timings: &[(Phase, Duration)], details: &PhaseDetails) -> serde_json::Value {
    let millis = |took: &Duration| took.as_millis() as u64;
    let entries = timings.iter().map(|(phase, took)| {
        let mut entry = serde_json::json!({"phase": phase.name(), "millis": millis(took)});
        match phase {
            Phase::ClusterUp if !details.cluster_up.is_empty() => {
                entry["steps"] = details
                    .cluster_up
                    .iter()
                    .map(|(step, took)| serde_json::json!({"step": step, "millis": millis(took)}))
                    .collect();
            }
            Phase::LoadImages => {
                if let Some(load) = &details.load {
                    entry["loaded"] = match load.loaded.as_slice() {
                        [] => "nothing".into(),
                        loaded => loaded.into(),
                    };
                    entry["loadMillis"] = millis(&load.load_took).into();
                    entry["onNodes"] = load.on_nodes.as_slice().into();
                }
            }
            _ => {}
        }
        entry
    });
    serde_json::Value::Array(entries.collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sidecar_e2e_core::plan::{Cell, Gate, InjectorSpec, K8sVersion, RequestedMode};
    use sidecar_e2e_core::recording::{ClusterFacts, RECORDING_VERSION, ScenarioRecording};
    use sidecar_e2e_core::scenario::Scenario;

    #[test]
    fn timings_say_what_was_loaded_or_nothing() {
        let timings = [
            (Phase::ClusterUp, Duration::from_millis(20_500)),
            (Phase::LoadImages, Duration::from_millis(120)),
        ];
        let mut details = PhaseDetails {
            cluster_up: vec![
                ("kind create", Duration::from_millis(14_000)),
                ("nodes Ready", Duration::from_millis(6_500)),
            ],
            load: Some(crate::cluster::LoadReport {
                loaded: Vec::new(),
                on_nodes: vec!["curl:1".to_owned()],
                load_took: Duration::ZERO,
            }),
        };
        let json = timings_json(&timings, &details);
        assert_eq!(json[0]["steps"][1]["step"], "nodes Ready");
        assert_eq!(json[0]["steps"][1]["millis"], 6500);
        assert_eq!(json[1]["loaded"], "nothing");
        assert_eq!(json[1]["onNodes"][0], "curl:1");
        details.load = Some(crate::cluster::LoadReport {
            loaded: vec!["injector:1".to_owned()],
            on_nodes: Vec::new(),
            load_took: Duration::from_millis(2_100),
        });
        let json = timings_json(&timings, &details);
        assert_eq!(json[1]["loaded"][0], "injector:1");
        assert_eq!(json[1]["loadMillis"], 2100);
        // A borrowed cluster's phases: no steps, nothing said about loading.
        let json = timings_json(&timings, &PhaseDetails::default());
        assert!(json[0].get("steps").is_none() && json[1].get("loaded").is_none());
    }

    #[test]
    fn each_scenario_gets_a_recording_that_reads_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let scenario = |scenario| ScenarioRecording::empty(scenario, format!("ns-{scenario}"));
        let recording = Recording {
            version: RECORDING_VERSION,
            cell: Cell {
                k8s: K8sVersion::new(32),
                gate: Gate::On,
                injector: InjectorSpec::builtin(),
                requested_mode: RequestedMode::Auto,
                worker: None,
            },
            cluster: ClusterFacts::default(),
            scenarios: vec![scenario(Scenario::Job), scenario(Scenario::Sleep)],
        };
        let written = write_recordings(dir.path(), &recording).expect("written");
        assert_eq!(written.len(), 2);
        let text = std::fs::read_to_string(dir.path().join("job.json")).expect("job.json");
        let back = Recording::from_json(&text, "job.json").expect("a recording");
        assert_eq!(back.scenarios.len(), 1);
        assert_eq!(back.scenarios[0].scenario, Scenario::Job);
        assert_eq!(back.cell, recording.cell);
        let mut names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("listed")
            .map(|e| e.expect("entry").file_name())
            .collect();
        names.sort();
        assert_eq!(names, ["job.json", "sleep.json"], "no temporary file left");
    }
}
