//! Planted faults on the second wave's known-bug checks (`probes-wait-for-startup`,
//! `unready-during-shutdown`): each committed live recording judged where its expectation is
//! flipped, or doctored into the other behaviour, must fail and say why. Proof each check can
//! fail, and the judge of kubernetes#140881's buggy side, which no cluster here could show (its
//! patches, 1.35.x and 1.36.3+, have no node image here): a 1.37.2 recording doctored into what
//! the bug's code does (the sidecar stays ready, every probe errors with `context canceled`).

mod recorded;

use k8s_openapi::api::core::v1::PodCondition;
use recorded::judged;
use sidecar_e2e_core::recording::{EventRecord, ScenarioRecording};
use sidecar_e2e_core::scenario::Target;
use sidecar_e2e_core::verdict::CheckStatus;

fn live(minor: u32, scenario: &str) -> ScenarioRecording {
    recorded::scenario(&format!(
        "live-1.{minor}/1-{minor}-on-builtin-auto/{scenario}.json"
    ))
}

/// A gate-on builtin cell of `minor` whose kubelet reported `1.<minor>.<patch>`.
fn on(minor: u32, patch: u32) -> Target {
    Target::native(minor, Some(patch))
}

const PROBES: &str = "probes-wait-for-startup";
const UNREADY: &str = "unready-during-shutdown";

#[test]
fn probes_wait_for_startup_fails_where_the_bug_shows_but_the_patch_should_not_have_it() {
    // 1.37.2's recording (the bug) judged as if its kubelet were 1.34.12, which has no such path.
    let (status, evidence) = judged(&live(37, "started-after-liveness"), &on(34, 12), PROBES);
    assert_eq!(status, CheckStatus::Fail, "{evidence}");
    assert!(
        evidence.contains("run=2 ready-file=no")
            && evidence.contains("the healthy behaviour was expected here"),
        "{evidence}"
    );
}

#[test]
fn probes_wait_for_startup_fails_the_day_a_patch_shows_the_fix_of_a_bug_open_upstream() {
    // 1.32.13's healthy recording judged as if it came from 1.37.2, where the bug is expected on
    // every patch: what a 1.37 patch carrying the pending fix would give.
    let (status, evidence) = judged(&live(32, "started-after-liveness"), &on(37, 9), PROBES);
    assert_eq!(status, CheckStatus::Fail, "{evidence}");
    assert!(
        evidence.contains("started=false")
            && evidence.contains("expected known bug kubernetes#141155 here, open upstream")
            && evidence.contains("give the bug its fixed-in patches"),
        "{evidence}"
    );
}

#[test]
fn probes_wait_for_startup_is_undecided_when_the_status_and_the_probe_lines_disagree() {
    // The 1.37.2 recording without the restarted run's early probe lines (those before its
    // startup probe could pass): the status still shows the inherited `started: true`, and
    // nothing is taken for healthy.
    let mut doctored = live(37, "started-after-liveness");
    for log in &mut doctored.logs {
        log.text = log
            .text
            .lines()
            .filter(|l| !l.contains("run=2 ready-file=no"))
            .map(|l| format!("{l}\n"))
            .collect();
    }
    let (status, evidence) = judged(&doctored, &on(34, 12), PROBES);
    assert_eq!(status, CheckStatus::Fail, "{evidence}");
    assert!(
        evidence.contains("started=true") && evidence.contains("the status and the log disagree"),
        "{evidence}"
    );
}

#[test]
fn unready_during_shutdown_fails_where_the_bug_was_expected_and_did_not_show() {
    // 1.37.2's recording (fixed) judged as if its kubelet were 1.36.5, which has the bug.
    let (status, evidence) = judged(&live(37, "readiness-at-shutdown"), &on(36, 5), UNREADY);
    assert_eq!(status, CheckStatus::Fail, "{evidence}");
    assert!(
        evidence.contains("sidecar unready, still running")
            && evidence.contains("expected known bug kubernetes#140881 here, but it did not show"),
        "{evidence}"
    );
}

/// The 1.37.2 recording as kubernetes#140881's code would have made it: from the delete until
/// the app exits, the sidecar's readiness stays what it was (ready, pod `Ready=True`), and each
/// tick's probe error is an `Unhealthy` event saying `context canceled` (prober.go's message).
fn frozen_at_shutdown() -> ScenarioRecording {
    let mut doctored = live(37, "readiness-at-shutdown");
    let deleted = doctored
        .actions
        .iter()
        .find(|a| a.action == "delete")
        .expect("the recording deletes its pod")
        .seq;
    for snapshot in doctored.snapshots.iter_mut().filter(|s| s.seq > deleted) {
        let Some(status) = snapshot.pod.status.as_mut() else {
            continue;
        };
        let app_running = status
            .container_statuses
            .iter()
            .flatten()
            .all(|c| c.state.as_ref().is_some_and(|s| s.running.is_some()));
        for sidecar in status.init_container_statuses.iter_mut().flatten() {
            if sidecar.state.as_ref().is_some_and(|s| s.running.is_some()) {
                sidecar.ready = true;
            }
        }
        if app_running {
            for condition in status.conditions.iter_mut().flatten() {
                if matches!(condition.type_.as_str(), "Ready" | "ContainersReady") {
                    *condition = PodCondition {
                        status: "True".to_owned(),
                        ..condition.clone()
                    };
                }
            }
        }
        // A frozen status is not rewritten: its server row no longer applies.
        snapshot.server_row = None;
    }
    doctored
        .events
        .retain(|e| !(e.reason == "Unhealthy" && e.seq > deleted));
    for count in 1..=18 {
        doctored.events.push(EventRecord {
            seq: deleted + u64::try_from(count).expect("small"),
            type_: "Warning".to_owned(),
            reason: "Unhealthy".to_owned(),
            message: "Readiness probe errored and resulted in unknown state: rpc error: code = \
                      Canceled desc = context canceled"
                .to_owned(),
            object: "Pod/readiness-at-shutdown".to_owned(),
            count,
        });
    }
    doctored
}

#[test]
fn unready_during_shutdown_shows_the_bug_on_a_recording_doctored_into_it() {
    let frozen = frozen_at_shutdown();
    for target in [on(35, 8), on(36, 3), on(36, 5)] {
        let (status, evidence) = judged(&frozen, &target, UNREADY);
        assert_eq!(
            status,
            CheckStatus::KnownBug,
            "{}: {evidence}",
            target.version()
        );
        assert!(
            evidence.contains("sidecar never seen unready from the delete until the app exited")
                && evidence
                    .contains("18 Unhealthy event(s) after the delete saying context canceled")
                && evidence.contains("known bug kubernetes#140881"),
            "{evidence}"
        );
    }
    // Where the bug is absent (before 1.35, 1.36.0-1.36.2, from 1.37.0) the same recording fails.
    for target in [on(34, 12), on(36, 2), on(37, 2)] {
        let (status, evidence) = judged(&frozen, &target, UNREADY);
        assert_eq!(
            status,
            CheckStatus::Fail,
            "{}: {evidence}",
            target.version()
        );
        assert!(
            evidence.contains("the healthy behaviour was expected here"),
            "{evidence}"
        );
    }
}

#[test]
fn unready_during_shutdown_is_undecided_without_a_deletion() {
    let mut doctored = live(37, "readiness-at-shutdown");
    doctored.actions.clear();
    let (status, evidence) = judged(&doctored, &on(37, 2), UNREADY);
    assert_eq!(status, CheckStatus::Fail, "{evidence}");
    assert!(evidence.contains("no deletion"), "{evidence}");
}
