//! `sidecar-e2e run`, the main job, end to end as a user runs it, on kind clusters from the
//! offline images, two cells at once: the gate-off cell exits 0 with the legacy failures shown for
//! the right reason, native forced on a gate-off cluster is rejected as planned (every pod
//! refused for the proxy's probes); JUnit, the summary and one recording per cell x scenario that
//! `verify` accepts are written, and no cluster is left behind.

use std::process::Command;

use sidecar_e2e_core::recording::Recording;
use sidecar_e2e_core::verdict::judge;
use sidecar_suites::binary::{kind_clusters, sidecar_e2e};

#[test]
fn run_on_gate_off_cells_shows_the_legacy_failures_and_the_rejected_layout_and_cleans_up() {
    let artifacts = tempfile::tempdir().expect("temp dir");
    let output = Command::new(sidecar_e2e())
        .args([
            "run",
            "--k8s",
            "1.32",
            "--gate",
            "off",
            "--injector",
            "builtin",
            "--mode",
            "auto,native",
            "--parallel",
            "2",
            "--artifacts",
        ])
        .arg(artifacts.path())
        .output()
        .expect("sidecar-e2e runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "run must exit 0:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("gate off · builtin · asked auto → legacy"),
        "{stdout}"
    );
    assert!(
        stdout.contains("gate off · builtin · asked native → rejected"),
        "{stdout}"
    );

    let cell = artifacts.path().join("1-32-off-builtin-auto");
    for scenario in ["sleep", "init-traffic", "job", "shutdown-traffic"] {
        let path = cell.join(format!("{scenario}.json"));
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|err| panic!("{} must exist: {err}", path.display()));
        let recording =
            Recording::from_json(&text, &path.display().to_string()).expect("a recording");
        assert_eq!(
            recording.cluster.native_sidecars_supported,
            Some(false),
            "the probe ran"
        );
        assert!(
            recording.cluster.server_version.starts_with("v1.32."),
            "{:?}",
            recording.cluster
        );
        let verdict = judge(&recording).expect("judgeable");
        assert!(verdict.passed(), "{scenario}: {verdict:#?}");
    }
    // The legacy failures, for the right reason: the init container's request failed because no
    // proxy ran yet, and the shutdown request failed because the proxy was already gone.
    for (scenario, step) in [
        ("init-traffic", "init-request"),
        ("shutdown-traffic", "shutdown-request"),
    ] {
        let text =
            std::fs::read_to_string(cell.join(format!("{scenario}.json"))).expect("recording");
        assert!(
            text.contains(&format!("step={step} curl_exit=7"))
                && text.contains("Failed to connect to 127.0.0.1 port 15001"),
            "{scenario}: the request must fail because nothing listened on the proxy's port"
        );
    }
    let rejected = artifacts.path().join("1-32-off-builtin-native");
    for scenario in ["sleep", "init-traffic", "job", "shutdown-traffic"] {
        let path = rejected.join(format!("{scenario}.json"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|err| {
            let listed: Vec<_> = std::fs::read_dir(artifacts.path())
                .map(|dir| dir.flatten().map(|e| e.file_name()).collect())
                .unwrap_or_default();
            panic!(
                "{} must exist ({err}); the artifacts hold {listed:?}\n{stderr}",
                path.display()
            )
        });
        let recording = Recording::from_json(&text, scenario).expect("a recording");
        let verdict = judge(&recording).expect("judgeable");
        assert!(verdict.passed(), "{scenario} (rejected): {verdict:#?}");
        assert!(
            text.contains("may not be set for init containers without restartPolicy=Always"),
            "{scenario}: refused for the proxy's probes"
        );
    }
    let junit = std::fs::read_to_string(artifacts.path().join("junit.xml")).expect("junit.xml");
    assert_eq!(junit.matches("<testcase").count(), 8, "{junit}");
    let summary = std::fs::read_to_string(artifacts.path().join("summary.md")).expect("summary.md");
    assert!(summary.contains("legacy"), "{summary}");

    let listed = kind_clusters();
    assert!(
        !listed.contains("1-32-off-builtin"),
        "the run must delete its clusters: {listed}"
    );
}
