//! Recordings of real runs (`sidecar-e2e run` on kind 1.32 clusters built offline; provenance in
//! `testdata/README.md`) judged again: every check passes, and each cell shows what it must for
//! the right reason. A change to the verdicts that would misjudge a real cluster fails here.

use std::path::{Path, PathBuf};
use std::process::Command;

use sidecar_e2e_core::plan::EffectiveMode;
use sidecar_e2e_core::recording::Recording;
use sidecar_e2e_core::verdict::{CheckStatus, Verdict, judge};

const BIN: &str = env!("CARGO_BIN_EXE_sidecar-e2e");

fn dir(cell: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/recordings/live-1.32")
        .join(cell)
}

fn load(cell: &str, scenario: &str) -> Recording {
    let path = dir(cell).join(format!("{scenario}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("{} must exist: {err}", path.display()));
    Recording::from_json(&text, &path.display().to_string()).expect("a current recording")
}

const SCENARIOS: [&str; 4] = ["sleep", "init-traffic", "job", "shutdown-traffic"];

fn evidence(verdict: &Verdict, check: &str) -> String {
    verdict.scenarios[0]
        .results
        .iter()
        .filter(|r| r.check.name() == check)
        .flat_map(|r| r.evidence.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

fn statuses(verdict: &Verdict) -> Vec<(&'static str, CheckStatus)> {
    verdict.scenarios[0]
        .results
        .iter()
        .map(|r| (r.check.name(), r.status))
        .collect()
}

#[test]
fn gate_on_cell_meets_every_native_expectation() {
    for scenario in SCENARIOS {
        let recording = load("1-32-on-builtin-auto", scenario);
        assert_eq!(recording.cluster.native_sidecars_supported, Some(true));
        let verdict = judge(&recording).expect("judgeable");
        assert_eq!(verdict.effective_mode, EffectiveMode::Native);
        assert!(verdict.passed(), "{scenario}: {:?}", statuses(&verdict));
        let names: Vec<&str> = statuses(&verdict).iter().map(|(n, _)| *n).collect();
        assert!(
            names.contains(&"startup-order"),
            "{scenario}: the proxy must start first"
        );
    }
    let job = judge(&load("1-32-on-builtin-auto", "job")).expect("judgeable");
    assert!(statuses(&job).contains(&("job-completes", CheckStatus::Pass)));
    let init = judge(&load("1-32-on-builtin-auto", "init-traffic")).expect("judgeable");
    assert!(
        evidence(&init, "access-log").contains("GET /get"),
        "the init request is in the proxy's log"
    );
}

#[test]
fn gate_off_cell_shows_the_legacy_failures_for_the_right_reason() {
    for scenario in SCENARIOS {
        let recording = load("1-32-off-builtin-auto", scenario);
        assert_eq!(recording.cluster.native_sidecars_supported, Some(false));
        let verdict = judge(&recording).expect("judgeable");
        assert_eq!(verdict.effective_mode, EffectiveMode::Legacy);
        assert!(verdict.passed(), "{scenario}: {:?}", statuses(&verdict));
    }
    let init = judge(&load("1-32-off-builtin-auto", "init-traffic")).expect("judgeable");
    assert!(
        evidence(&init, "request").contains("curl_exit=7"),
        "no proxy listened yet"
    );
    let job = judge(&load("1-32-off-builtin-auto", "job")).expect("judgeable");
    assert!(statuses(&job).contains(&("job-pod-keeps-running", CheckStatus::Pass)));
    let shutdown = judge(&load("1-32-off-builtin-auto", "shutdown-traffic")).expect("judgeable");
    assert!(
        evidence(&shutdown, "request").contains("curl_exit=7"),
        "the proxy was gone"
    );
}

#[test]
fn native_forced_on_the_gate_off_cell_is_rejected() {
    for scenario in SCENARIOS {
        let recording = load("1-32-off-builtin-native", scenario);
        let verdict = judge(&recording).expect("judgeable");
        assert_eq!(verdict.effective_mode, EffectiveMode::Rejected);
        assert_eq!(
            statuses(&verdict),
            [
                ("pod-never-runs", CheckStatus::Pass),
                // The API server refused every pod: no row to compare.
                ("printer-agrees", CheckStatus::NotApplicable)
            ],
            "{scenario}"
        );
        assert!(
            evidence(&verdict, "pod-never-runs")
                .contains("may not be set for init containers without restartPolicy=Always"),
            "{scenario}: refused for the proxy's probes"
        );
    }
}

#[test]
fn verify_accepts_every_live_recording() {
    for cell in [
        "1-32-on-builtin-auto",
        "1-32-off-builtin-auto",
        "1-32-off-builtin-native",
    ] {
        for scenario in SCENARIOS {
            let path = dir(cell).join(format!("{scenario}.json"));
            let out = Command::new(BIN)
                .args(["verify", "--color", "never", "--recording"])
                .arg(&path)
                .output()
                .expect("verify runs");
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}: {}",
                path.display(),
                String::from_utf8_lossy(&out.stdout)
            );
        }
    }
}
