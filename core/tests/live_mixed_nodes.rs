//! Clusters of two nodes, recorded live (`testdata/recordings/mixed-nodes/`, provenance in
//! `testdata/README.md`): Istio's `auto` asks every kubelet's version (DetectNativeSidecar,
//! native only when all are 1.33 or newer), so a 1.33 control plane with a 1.33 worker gets
//! native sidecars and one with a 1.32 worker the legacy layout. Each recording is judged again
//! (every check meets its expectation, in the mode the plan says), and its pods ran on the
//! worker, whose kubelet is of the worker's minor.

use std::path::Path;

use sidecar_e2e_core::plan::EffectiveMode;
use sidecar_e2e_core::recording::Recording;
use sidecar_e2e_core::verdict::{CheckStatus, judge};

fn judged(cell: &str, scenario: &str) -> (Recording, sidecar_e2e_core::verdict::Verdict) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/recordings/mixed-nodes")
        .join(cell)
        .join(format!("{scenario}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let recording =
        Recording::from_json(&text, &path.display().to_string()).unwrap_or_else(|e| panic!("{e}"));
    let verdict = judge(&recording).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (recording, verdict)
}

fn holds(cell: &str, worker_minor: &str, mode: EffectiveMode) {
    for scenario in ["sleep", "job", "init-traffic"] {
        let (recording, verdict) = judged(cell, scenario);
        assert_eq!(verdict.effective_mode, mode, "{cell} {scenario}");
        for result in &verdict.scenarios[0].results {
            assert!(
                matches!(
                    result.status,
                    CheckStatus::Pass | CheckStatus::NotApplicable
                ),
                "{cell} {scenario}: {} {:?}: {:?}",
                result.check.name(),
                result.status,
                result.evidence
            );
        }
        let worker = recording
            .cluster
            .nodes
            .iter()
            .find(|n| n.name.ends_with("-worker"))
            .unwrap_or_else(|| panic!("{cell}: the recording names its worker"));
        assert!(
            worker.kubelet_version.starts_with(worker_minor),
            "{cell}: {worker:?}"
        );
        let ran_on: Vec<&str> = recording.scenarios[0]
            .snapshots
            .iter()
            .filter_map(|s| s.pod.spec.as_ref()?.node_name.as_deref())
            .collect();
        assert!(!ran_on.is_empty(), "{cell} {scenario}: scheduled");
        assert!(
            ran_on.iter().all(|n| *n == worker.name),
            "{cell} {scenario}: every pod ran on the worker: {ran_on:?}"
        );
    }
}

#[test]
fn istio_auto_is_native_when_every_kubelet_is_1_33() {
    holds(
        "1-33-default-istio1-31-auto-w1-33",
        "v1.33.",
        EffectiveMode::Native,
    );
}

#[test]
fn istio_auto_is_legacy_when_a_worker_is_1_32() {
    holds(
        "1-33-default-istio1-31-auto-w1-32",
        "v1.32.",
        EffectiveMode::Legacy,
    );
}
