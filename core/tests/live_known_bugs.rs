//! The known-bug scenarios' committed live recordings (`testdata/recordings/live-<minor>/
//! 1-<minor>-on-builtin-auto/`, provenance in `testdata/README.md`), each judged and held to
//! the status its patch should give: a known bug where the bug's table says it is present and
//! the cluster showed it (open upstream or not), a pass where it is fixed or absent. A change to
//! a bug's fixed-in patches, a decider or a workload that would flip one of these fails here.

use std::path::Path;

use sidecar_e2e_core::recording::Recording;
use sidecar_e2e_core::verdict::{CheckStatus, judge};

/// The status of `check` in `scenario`'s recording on `minor`, gate on.
fn status(minor: u32, scenario: &str, check: &str) -> CheckStatus {
    status_in(minor, "on", scenario, check)
}

/// The status of `check` in `scenario`'s recording on `minor` with the gate set to `gate`.
fn status_in(minor: u32, gate: &str, scenario: &str, check: &str) -> CheckStatus {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!(
        "../testdata/recordings/live-1.{minor}/1-{minor}-{gate}-builtin-auto/{scenario}.json"
    ));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let recording = Recording::from_json(&text, &path.display().to_string())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let verdict = judge(&recording).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    verdict.scenarios[0]
        .results
        .iter()
        .find(|r| r.check.name() == check)
        .unwrap_or_else(|| panic!("{}: no {check} check", path.display()))
        .status
}

/// Every minor built here but 1.35, whose recordings hold only `kubelet-restart` and
/// `delete-before-sidecar-started` (the regression of 1.35.0 is checked there).
const MINORS: [u32; 9] = [28, 29, 30, 31, 32, 33, 34, 36, 37];

#[test]
fn flaky_startup_probe_is_the_known_bug_up_to_1_32_and_fixed_from_1_33() {
    for minor in MINORS {
        let expected = if minor <= 32 {
            CheckStatus::KnownBug
        } else {
            CheckStatus::Pass
        };
        assert_eq!(
            status(minor, "flaky-startup-probe", "app-starts"),
            expected,
            "1.{minor}"
        );
    }
}

#[test]
fn deletion_before_the_sidecar_started_is_prompt_on_every_recorded_patch() {
    for minor in MINORS {
        assert_eq!(
            status(minor, "delete-before-sidecar-started", "deleted-within"),
            CheckStatus::Pass,
            "1.{minor}"
        );
    }
}

#[test]
fn sidecars_stop_in_reverse_order_from_1_29_and_crashed_sidecars_restart_everywhere() {
    for minor in MINORS.into_iter().filter(|&m| m >= 29) {
        assert_eq!(
            status(minor, "two-sidecars-termination", "termination-order"),
            CheckStatus::Pass,
            "1.{minor}"
        );
    }
    for minor in MINORS {
        assert_eq!(
            status(minor, "sidecar-crash-restart", "sidecar-restarted"),
            CheckStatus::Pass,
            "1.{minor}"
        );
        assert_eq!(
            status(minor, "job-sidecar-exit-143", "sidecar-exit-code"),
            CheckStatus::Pass,
            "1.{minor}"
        );
        assert_eq!(
            status(minor, "job-sidecar-exit-143", "job-completes"),
            CheckStatus::Pass,
            "1.{minor}"
        );
    }
}

#[test]
fn a_crashed_app_is_restarted_after_the_kubelet_restarts_on_every_recorded_patch() {
    // 1.35.8 carries the fix of the 1.35.0 regression (kubernetes#136910).
    for minor in MINORS.into_iter().chain([35]) {
        assert_eq!(
            status(minor, "kubelet-restart", "app-restarted"),
            CheckStatus::Pass,
            "1.{minor}"
        );
    }
}

#[test]
fn a_sidecar_restarted_by_its_liveness_probe_inherits_started_on_1_37_not_on_1_32() {
    // kubernetes#141155 came with 1.35.0 and is open upstream: 1.37.2 has it, 1.32.13 never did.
    assert_eq!(
        status(32, "started-after-liveness", "probes-wait-for-startup"),
        CheckStatus::Pass
    );
    assert_eq!(
        status(37, "started-after-liveness", "probes-wait-for-startup"),
        CheckStatus::KnownBug
    );
}

#[test]
fn both_second_wave_bugs_show_on_1_35_8_and_1_36_5() {
    // Recorded on 1.35.8 and 1.36.5 (gate default, the same cluster as on): the table's P for
    // both. 1.36.5 has #140881 again (1.36.3+, #140066), which the field notes' "1.35 only" missed.
    for minor in [35, 36] {
        assert_eq!(
            status_in(
                minor,
                "default",
                "started-after-liveness",
                "probes-wait-for-startup"
            ),
            CheckStatus::KnownBug,
            "1.{minor}"
        );
        assert_eq!(
            status_in(
                minor,
                "default",
                "readiness-at-shutdown",
                "unready-during-shutdown"
            ),
            CheckStatus::KnownBug,
            "1.{minor}"
        );
    }
}

#[test]
fn readiness_still_drops_during_shutdown_on_1_32_and_again_on_1_37() {
    // kubernetes#140881 is a 1.35 regression fixed in 1.37.0: 1.32.13 never had it (1.35.8 and
    // 1.36.5 have it: the test above).
    for minor in [32, 37] {
        assert_eq!(
            status(minor, "readiness-at-shutdown", "unready-during-shutdown"),
            CheckStatus::Pass,
            "1.{minor}"
        );
    }
}
