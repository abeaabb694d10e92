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

/// `dir/timings.json`: each phase of the cell in milliseconds, in order.
///
/// # Errors
/// [`ArtifactError`].
pub fn write_timings(dir: &Path, timings: &[(Phase, Duration)]) -> Result<(), ArtifactError> {
    let entries: Vec<serde_json::Value> = timings
        .iter()
        .map(|(phase, took)| serde_json::json!({"phase": phase.name(), "millis": took.as_millis() as u64}))
        .collect();
    let text = serde_json::to_string_pretty(&entries).unwrap_or_default() + "\n";
    write(&dir.join("timings.json"), &text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sidecar_e2e_core::plan::{Cell, Gate, InjectorSpec, K8sVersion, RequestedMode};
    use sidecar_e2e_core::recording::{ClusterFacts, RECORDING_VERSION, ScenarioRecording};
    use sidecar_e2e_core::scenario::Scenario;

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
