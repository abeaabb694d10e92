//! The real Istio, built offline (docs/istio.md), on live clusters: the committed recordings of
//! its cells (`testdata/recordings/live-<minor>/<cell>-istio1-31-<mode>/`, provenance in
//! `testdata/README.md`) judged again, and the seed's own demonstration: the Job's pod under
//! native injection goes through the Istio blog's `kubectl get pods -w` sequence
//! (`testdata/kubectl/istio-blog-2023-job-watch.txt`), in the harness's printer and in the
//! API server's own rows alike.

use std::path::{Path, PathBuf};

use sidecar_e2e_core::recording::Recording;
use sidecar_e2e_core::verdict::{CheckStatus, Verdict, judge};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(rel)
}

fn verdict(cell_dir: &str, scenario: &str) -> Verdict {
    let path = data(&format!("recordings/{cell_dir}/{scenario}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let recording = Recording::from_json(&text, &path.display().to_string())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    judge(&recording).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// READY and STATUS of each line of the blog's watch, in order (`0/2 Init:1/2`, …).
fn blog_sequence() -> Vec<String> {
    let text = std::fs::read_to_string(data("kubectl/istio-blog-2023-job-watch.txt"))
        .expect("the blog's watch");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let columns: Vec<&str> = l.split_whitespace().collect();
            format!("{} {}", columns[1], columns[2])
        })
        .collect()
}

/// `pod: a → b → c` as its steps.
fn steps(line: &str) -> Vec<String> {
    let (_, sequence) = line.split_once(": ").expect("pod: sequence");
    sequence.split(" → ").map(str::to_owned).collect()
}

/// Whether `needle` appears in `hay` in order and without gaps.
fn contains_run(hay: &[String], needle: &[String]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The cells whose pods get a native `istio-proxy`: forced on 1.32 and 1.37, and Istio's `auto`
/// on 1.37 (native from a 1.33 kubelet).
const NATIVE: [&str; 3] = [
    "live-1.32/1-32-on-istio1-31-native",
    "live-1.37/1-37-on-istio1-31-native",
    "live-1.37/1-37-on-istio1-31-auto",
];

/// The cells whose pods get the legacy layout: Istio's `auto` on a 1.32 kubelet.
const LEGACY: [&str; 2] = [
    "live-1.32/1-32-on-istio1-31-auto",
    "live-1.32/1-32-off-istio1-31-auto",
];

/// Where native injection meets a cluster with the gate off: every pod refused.
const REJECTED: &str = "live-1.32/1-32-off-istio1-31-native";

const SCENARIOS: [&str; 4] = ["sleep", "init-traffic", "job", "shutdown-traffic"];

#[test]
fn the_native_job_goes_through_the_istio_blogs_watch_sequence() {
    let blog = blog_sequence();
    assert_eq!(blog.len(), 6, "{blog:?}");
    for cell in NATIVE {
        let job = verdict(cell, "job");
        let scenario = &job.scenarios[0];
        let harness = steps(&scenario.watch[0]);
        let server = steps(&scenario.server_watch[0]);
        assert!(contains_run(&harness, &blog), "{cell}: harness {harness:?}");
        assert!(contains_run(&server, &blog), "{cell}: server {server:?}");
    }
}

#[test]
fn every_istio_cell_meets_its_expectations() {
    for cell in NATIVE.into_iter().chain(LEGACY).chain([REJECTED]) {
        for scenario in SCENARIOS {
            let verdict = verdict(cell, scenario);
            for result in &verdict.scenarios[0].results {
                assert_ne!(
                    result.status,
                    CheckStatus::Fail,
                    "{cell} {scenario}: {} failed: {:?}",
                    result.check.name(),
                    result.evidence
                );
            }
        }
    }
}

#[test]
fn istios_proxy_is_a_native_sidecar_and_logs_the_request_in_native_cells() {
    for cell in NATIVE {
        let job = verdict(cell, "job");
        let status = |name: &str| {
            job.scenarios[0]
                .results
                .iter()
                .find(|r| r.check.name() == name)
                .unwrap_or_else(|| panic!("{cell}: no {name}"))
                .status
        };
        for check in [
            "proxy-layout",
            "startup-order",
            "access-log",
            "job-completes",
        ] {
            assert_eq!(status(check), CheckStatus::Pass, "{cell}: {check}");
        }
    }
}

#[test]
fn the_legacy_job_keeps_running_after_its_app_exits() {
    for cell in LEGACY {
        let job = verdict(cell, "job");
        assert!(
            job.scenarios[0]
                .results
                .iter()
                .any(|r| r.check.name() == "job-pod-keeps-running"
                    && r.status == CheckStatus::Pass),
            "{cell}"
        );
    }
}

/// Every scenario whose pods ran an `istio-proxy` checked that istiod counted no refused
/// config, from istiod's own metrics; where pods are refused there is no proxy to ask about.
#[test]
fn istiod_counted_no_refused_config_wherever_a_proxy_ran() {
    for cell in NATIVE.into_iter().chain(LEGACY) {
        for scenario in SCENARIOS {
            let verdict = verdict(cell, scenario);
            let accepted = verdict.scenarios[0]
                .results
                .iter()
                .find(|r| r.check.name() == "proxy-config-accepted")
                .unwrap_or_else(|| panic!("{cell} {scenario}: no proxy-config-accepted"));
            assert_eq!(accepted.status, CheckStatus::Pass, "{cell} {scenario}");
            assert!(
                accepted.evidence[0].contains("samples in its /metrics"),
                "{cell} {scenario}: {:?}",
                accepted.evidence
            );
        }
    }
    for scenario in SCENARIOS {
        let verdict = verdict(REJECTED, scenario);
        assert!(
            verdict.scenarios[0]
                .results
                .iter()
                .all(|r| r.check.name() != "proxy-config-accepted"),
            "{REJECTED} {scenario}"
        );
    }
}

/// The check fails for real: the planted fault of docs/istio.md, run live. With
/// `PILOT_ENABLE_METADATA_EXCHANGE` left on, istiod configures `istio.metadata_exchange`, which
/// upstream Envoy does not have; the proxy NACKs it and the check names the filter.
#[test]
fn a_proxy_that_refuses_istiods_config_fails_the_check_with_istiods_reason() {
    let verdict = verdict(
        "planted-faults/1-32-on-istio1-31-native-metadata-exchange-on",
        "sleep",
    );
    let accepted = verdict.scenarios[0]
        .results
        .iter()
        .find(|r| r.check.name() == "proxy-config-accepted")
        .expect("the check");
    assert_eq!(accepted.status, CheckStatus::Fail);
    let evidence = accepted.evidence.join("\n");
    assert!(evidence.contains("pilot_xds_"), "{evidence}");
    assert!(evidence.contains("istio.metadata_exchange"), "{evidence}");
}
