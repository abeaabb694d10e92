//! `reboot-init-order` (kubernetes#137710, #140309): after a node reboot, every init container
//! runs again before the app. A reboot that leaves a created, never started app container behind
//! (a power cut between the runtime's create and start) makes kubelets up to 1.36 take the pod
//! for initialized as soon as the first init container has run again: later init containers are
//! skipped. The harness builds that state on the node itself, so the trigger is deterministic.

use std::time::Duration;

use super::end::{EndCondition, Progress};
use super::expectation::{ScenarioExpectation, guarding};
use super::known_bug::{KnownBug, Patch};
use super::target::Target;
use super::{Check, NodeUse, ScenarioDef};
use crate::pod::{container_status, is_ready};

pub(super) const DEF: ScenarioDef = ScenarioDef {
    name: "reboot-init-order",
    summary: "after a node reboot that left the app created, every init container runs again",
    caption: "The harness reboots the node as the kubelet sees it, leaving a created, never \
              started app behind. Fixed: init-1, the proxy, then init-2 run again before the \
              app. kubernetes#137710: init-2 is skipped and the app starts without it.",
    manifest: include_str!("reboot-init-order.yaml"),
    injected: false,
    node: NodeUse::Alone {
        acts: "stops the node's kubelet and the pod's sandbox, leaving a created app behind, \
               then starts the kubelet (a reboot as the kubelet sees it)",
    },
    expectation: |target| guarding(&STALE_APP_SKIPS_INIT, target),
    checks,
    end,
    plan_column: None,
};

/// A created app container left from the sandbox before a reboot makes the kubelet skip the
/// later init containers.
pub(super) const STALE_APP_SKIPS_INIT: KnownBug = KnownBug {
    id: "kubernetes#137710",
    url: "https://github.com/kubernetes/kubernetes/issues/137710",
    title: "after a node reboot with the app container left Created, only the first init \
            container runs again: later ones are skipped",
    // computeInitContainerActions takes the pod for initialized when any regular container's
    // newest status, from any sandbox, is Created or Running (kuberuntime_container.go: 1.29.15
    // :996, 1.32.13 :1035, 1.35.8 :1059, 1.36.5 :1078); 1.28.15 counts Exited too (:911).
    introduced_in: None,
    absent_in: &[],
    // #138514 (1.37.0, CHANGELOG-1.37.md:598) asks HasAnyActiveRegularContainerStarted, of the
    // current sandbox only (1.37.2 kuberuntime_container.go:1078). No pick in a pinned patch.
    fixed_in: &[Patch {
        minor: 37,
        patch: 0,
    }],
    open_upstream: None,
    racy: false,
};

/// The app container the reboot leaves created.
const APP: &str = "app";
/// The init container that must run again after the sidecar.
const LATER_INIT: &str = "init-2";
/// How long after the kubelet is back the recording goes on at most: a new sandbox, three init
/// containers (one with a 2 s startup delay) and the app.
const WATCH_AFTER_REBOOT: Duration = Duration::from_secs(45);

fn checks(expected: &ScenarioExpectation, _: &Target) -> Vec<Check> {
    vec![
        Check::InitRerunAfterReboot {
            init: LATER_INIT,
            known_bug: expected.expects(&STALE_APP_SKIPS_INIT),
        },
        Check::PrinterAgrees,
    ]
}

fn end(progress: &Progress<'_>) -> Option<EndCondition> {
    if !progress.kubelet_restarted {
        // Once everything runs: the app's first start is the one the reboot interrupts.
        return progress
            .pods
            .iter()
            .any(|p| is_ready(p))
            .then_some(EndCondition::RebootLeavingCreatedApp { app: APP });
    }
    let app_back = progress.pods.iter().any(|p| {
        is_ready(p) && container_status(p, APP).is_some_and(|c| c.restart_count >= 1)
    });
    Some(EndCondition::After(if app_back {
        Duration::from_secs(5)
    } else {
        WATCH_AFTER_REBOOT
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_up_to_1_36() {
        let on = |minor, patch| {
            STALE_APP_SKIPS_INIT.present_on_target(&Target::native(minor, Some(patch)))
        };
        assert!(on(28, 15) && on(32, 13) && on(35, 8) && on(36, 5));
        assert!(!on(37, 0) && !on(37, 2));
        assert_eq!(STALE_APP_SKIPS_INIT.consistency(), Ok(()));
    }
}
