//! The OpenTelemetry Operator's collector sidecar (`otel@0.153`, built offline, docs/
//! injector-profiles.md), on live clusters: the committed recordings of its cells
//! (`testdata/recordings/live-<minor>/<cell>-otel0-153-auto/`, provenance in `testdata/README.md`)
//! judged again by the shipped profile. The operator decides by the API server's version alone:
//! legacy on 1.28 whatever the gate, native from 1.29, and on 1.32 with the gate off a native
//! collector the API server strips and then refuses for its probes.

use std::path::Path;

use sidecar_e2e_core::recording::Recording;
use sidecar_e2e_core::scenario::Check;
use sidecar_e2e_core::verdict::{CheckStatus, Verdict, judge};

fn verdict(cell_dir: &str, scenario: &str) -> Verdict {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/recordings")
        .join(cell_dir)
        .join(format!("{scenario}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let recording = Recording::from_json(&text, &path.display().to_string())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    judge(&recording).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn status(verdict: &Verdict, check: &str) -> Option<CheckStatus> {
    verdict.scenarios[0]
        .results
        .iter()
        .find(|r| r.check.name() == check)
        .map(|r| r.status)
}

/// Native collector: 1.32 with the gate on, 1.37 (its default: the gate is gone).
const NATIVE: [&str; 2] = [
    "live-1.32/1-32-on-otel0-153-auto",
    "live-1.37/1-37-default-otel0-153-auto",
];

/// Legacy collector: 1.28, the gate on or off alike (the operator never reads it).
const LEGACY: [&str; 2] = [
    "live-1.28/1-28-on-otel0-153-auto",
    "live-1.28/1-28-off-otel0-153-auto",
];

/// 1.32 with the gate off: the operator injects natively anyway and every pod is refused.
const REJECTED: &str = "live-1.32/1-32-off-otel0-153-auto";

const SCENARIOS: [&str; 4] = ["sleep", "init-traffic", "job", "shutdown-traffic"];

#[test]
fn every_otel_cell_meets_its_expectations() {
    for cell in NATIVE.into_iter().chain(LEGACY).chain([REJECTED]) {
        for scenario in SCENARIOS {
            let verdict = verdict(cell, scenario);
            assert_eq!(verdict.cell.injector.to_string(), "otel@0.153", "{cell}");
            for result in &verdict.scenarios[0].results {
                assert!(
                    matches!(
                        result.status,
                        CheckStatus::Pass | CheckStatus::NotApplicable
                    ),
                    "{cell} {scenario}: {} is {:?}: {:?}",
                    result.check.name(),
                    result.status,
                    result.evidence
                );
            }
        }
    }
}

#[test]
fn a_native_collector_starts_first_receives_the_record_and_lets_the_job_complete() {
    for cell in NATIVE {
        let job = verdict(cell, "job");
        for check in [
            "proxy-layout",
            "startup-order",
            "request",
            "collector-received",
            "job-completes",
        ] {
            assert_eq!(
                status(&job, check),
                Some(CheckStatus::Pass),
                "{cell}: {check}"
            );
        }
        let received = job.scenarios[0]
            .results
            .iter()
            .find(|r| r.check.name() == "collector-received")
            .expect("collector-received");
        assert!(
            received
                .evidence
                .iter()
                .any(|e| e.contains("Body: Str(sidecar-e2e scenario=job step=request)")),
            "{cell}: the debug exporter's line is the evidence: {:?}",
            received.evidence
        );
    }
}

#[test]
fn an_init_containers_record_never_reaches_the_collector_native_or_legacy() {
    // The operator appends its collector after the pod's own init containers.
    for cell in NATIVE.into_iter().chain(LEGACY) {
        let init = verdict(cell, "init-traffic");
        let request = init.scenarios[0]
            .results
            .iter()
            .find(|r| r.check.name() == "request")
            .expect("request");
        assert!(
            matches!(
                request.check,
                Check::Request {
                    succeeds: Some(false),
                    ..
                }
            ),
            "{cell}: the record is expected to fail: {:?}",
            request.check
        );
        assert_eq!(
            request.status,
            CheckStatus::Pass,
            "{cell}: {:?}",
            request.evidence
        );
    }
}

#[test]
fn a_legacy_collector_keeps_the_job_pod_running() {
    for cell in LEGACY {
        let job = verdict(cell, "job");
        assert_eq!(
            status(&job, "job-pod-keeps-running"),
            Some(CheckStatus::Pass),
            "{cell}"
        );
        assert_eq!(
            status(&job, "proxy-layout"),
            Some(CheckStatus::Pass),
            "{cell}"
        );
    }
}

#[test]
fn with_the_gate_off_the_api_server_refuses_the_stripped_collector_for_its_probes() {
    for scenario in SCENARIOS {
        let verdict = verdict(REJECTED, scenario);
        let never = verdict.scenarios[0]
            .results
            .iter()
            .find(|r| r.check.name() == "pod-never-runs")
            .expect("pod-never-runs");
        assert_eq!(never.status, CheckStatus::Pass, "{scenario}");
        assert!(
            never
                .evidence
                .iter()
                .any(|e| e
                    .contains("may not be set for init containers without restartPolicy=Always")),
            "{scenario}: {:?}",
            never.evidence
        );
    }
}
