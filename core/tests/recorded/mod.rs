//! The committed live recordings (`testdata/recordings/`, provenance in `testdata/README.md`),
//! read and judged one check at a time: for the tests that hold the judge to what the clusters
//! showed, and plant faults in it.

use std::path::Path;

use sidecar_e2e_core::recording::{Recording, ScenarioRecording};
use sidecar_e2e_core::scenario::Target;
use sidecar_e2e_core::verdict::{CheckStatus, judge_on};

/// The recording at `relative`, a path under `testdata/recordings/`.
pub fn recording(relative: &str) -> Recording {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/recordings")
        .join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Recording::from_json(&text, &path.display().to_string())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The one scenario of the recording at `relative`.
pub fn scenario(relative: &str) -> ScenarioRecording {
    recording(relative)
        .scenarios
        .into_iter()
        .next()
        .expect("one scenario")
}

/// `check`'s status and evidence (one line each, joined) when `recorded` is judged on `target`.
pub fn judged(recorded: &ScenarioRecording, target: &Target, check: &str) -> (CheckStatus, String) {
    let verdict = judge_on(recorded, target);
    let result = verdict
        .results
        .iter()
        .find(|r| r.check.name() == check)
        .unwrap_or_else(|| panic!("no {check} in {:?}", verdict.results));
    (result.status, result.evidence.join("\n"))
}
