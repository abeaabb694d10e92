//! Every committed recording of a live run (`testdata/recordings/live-<minor>/<cell>/`, one
//! directory per Kubernetes minor that has booted here; provenance in `testdata/README.md`)
//! judged again: every check meets its expectation, and where the recording has the API
//! server's own rows (format 3), `printer-agrees` compared them and passed. These are the
//! oracle's regression data on every version: a printer or verdict change that would misjudge
//! a real cluster of any minor fails here.

use std::path::{Path, PathBuf};

use sidecar_e2e_core::recording::Recording;
use sidecar_e2e_core::verdict::{CheckStatus, judge};

fn recordings_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/recordings")
}

/// Every `live-<minor>/<cell>/<scenario>.json`, sorted.
fn live_recordings() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let root = recordings_root();
    let minors = std::fs::read_dir(&root).unwrap_or_else(|e| panic!("{}: {e}", root.display()));
    for minor in minors.flatten() {
        if !minor.file_name().to_string_lossy().starts_with("live-") {
            continue;
        }
        for cell in std::fs::read_dir(minor.path()).expect("readable").flatten() {
            if !cell.path().is_dir() {
                continue;
            }
            for file in std::fs::read_dir(cell.path()).expect("readable").flatten() {
                if file.path().extension().is_some_and(|e| e == "json") {
                    files.push(file.path());
                }
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_live_recording_of_every_minor_meets_its_expectations() {
    let files = live_recordings();
    assert!(
        files.len() >= 8,
        "expected live recordings, found {files:?}"
    );
    let mut compared = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).expect("readable");
        let recording = Recording::from_json(&text, &path.display().to_string())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let verdict = judge(&recording).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for scenario in &verdict.scenarios {
            for result in &scenario.results {
                assert_ne!(
                    result.status,
                    CheckStatus::Fail,
                    "{}: {} failed: {:?}",
                    path.display(),
                    result.check.name(),
                    result.evidence
                );
            }
            let has_rows = recording
                .scenarios
                .iter()
                .flat_map(|s| &s.snapshots)
                .any(|s| s.server_row.is_some());
            let printer = scenario
                .results
                .iter()
                .find(|r| r.check.name() == "printer-agrees")
                .expect("every scenario checks the printer");
            if has_rows {
                assert_eq!(
                    printer.status,
                    CheckStatus::Pass,
                    "{}: {:?}",
                    path.display(),
                    printer.evidence
                );
                compared += 1;
            }
        }
    }
    assert!(
        compared > 0,
        "no committed recording carries the API server's rows: the oracle is unchecked"
    );
}

#[test]
fn each_minor_directory_holds_recordings_of_that_minor_only() {
    for path in live_recordings() {
        let minor_dir = path
            .ancestors()
            .nth(2)
            .and_then(|d| d.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(&path).expect("readable");
        let recording = Recording::from_json(&text, "x").expect("a recording");
        assert_eq!(
            minor_dir,
            format!("live-{}", recording.cell.k8s),
            "{} is filed under the wrong minor",
            path.display()
        );
        let server = &recording.cluster.server_version;
        assert!(
            server.starts_with(&format!("v{}.", recording.cell.k8s)),
            "{}: the API server reported {server}",
            path.display()
        );
    }
}

#[test]
fn every_minor_of_the_node_image_table_has_live_recordings_for_each_gate_it_can_boot() {
    use sidecar_e2e_core::plan::{Gate, GateEffect, Minors, gate_effect};
    let table = Minors::embedded().expect("embedded table");
    let mut missing = Vec::new();
    for row in table.rows() {
        let dir = recordings_root().join(format!("live-{}", row.k8s));
        for gate in [Gate::On, Gate::Off] {
            if !matches!(gate_effect(row.k8s, gate), GateEffect::Boots { .. }) {
                continue;
            }
            let cell = dir.join(format!("1-{}-{gate}-builtin-auto", row.k8s.minor));
            if !cell.join("job.json").is_file() {
                missing.push(format!("{} gate {gate}: {}", row.k8s, cell.display()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "minors without committed live recordings (record them with `scripts/run.sh --k8s <minor> \
         --gate on,off` and copy <cell>/*.json here): {missing:#?}"
    );
}
