//! `flaky-startup-probe` (kubernetes#132826): in a `restartPolicy: Never` pod, a native sidecar
//! that fails before its startup probe has run, and is restarted, must still be probed, pass and
//! let the app start. On the patches without #133072 the probe worker has stopped for good and
//! the app is never created. The workload is three pods, each a try at the trigger.

use std::time::Duration;

use super::end::{EndCondition, Progress};
use super::expectation::{ScenarioExpectation, guarding};
use super::known_bug::{KnownBug, Patch};
use super::target::Target;
use super::{Check, NodeUse, ScenarioDef};
use crate::pod::{any_app_has_run, is_finished, sidecar_restarted_and_running};

pub(super) const DEF: ScenarioDef = ScenarioDef {
    name: "flaky-startup-probe",
    summary: "a Never pod whose sidecar fails before its first probe: the app must still start",
    caption: "The sidecar exits before its startup probe has run and is restarted. Fixed: it \
              is probed, starts, and the app runs. kubernetes#132826: the app never does.",
    manifest: include_str!("flaky-startup-probe.yaml"),
    injected: false,
    node: NodeUse::Shared,
    expectation: |target| guarding(&APP_NEVER_STARTS, target),
    checks,
    end,
    plan_column: None,
};

/// The app is never created after a sidecar's startup probe has failed in a Never pod.
pub(super) const APP_NEVER_STARTS: KnownBug = KnownBug {
    id: "kubernetes#132826",
    url: "https://github.com/kubernetes/kubernetes/issues/132826",
    title: "a sidecar that failed before its startup probe ran is never probed again: the app never starts",
    introduced_in: None,
    absent_in: &[],
    // #133072 (1.35.0), backported by #134801 (1.33) and #134800 (1.34); the 1.32 backport
    // (#134802) was closed. Patches: docs/sidecar-semantics.md §8.
    fixed_in: &[
        Patch { minor: 33, patch: 6 },
        Patch { minor: 34, patch: 2 },
        Patch { minor: 35, patch: 0 },
    ],
    open_upstream: None,
    // Once marked racy: apps started now and then on 1.32.13. The cause was a kubelet restarted
    // beside it (the kubelet-restart scenario on the same node): a new kubelet makes new probe
    // workers, and the sidecar is probed again. With that scenario given the node alone, 1.32.13
    // kept all 30 apps of 10 rounds from starting (docs/sidecar-semantics.md §8).
    racy: false,
};

/// How long the app gets after the restarted sidecar runs, before "never" is recorded.
const PATIENCE: Duration = Duration::from_secs(25);

fn checks(expected: &ScenarioExpectation, _: &Target) -> Vec<Check> {
    vec![
        Check::AppStarts {
            known_bug: expected.expects(&APP_NEVER_STARTS),
        },
        Check::PrinterAgrees,
    ]
}

/// The manifest's pods: the bug shows if any one is stuck, "fixed" needs every app to start.
const PODS: usize = 3;

fn end(progress: &Progress<'_>) -> Option<EndCondition> {
    let pods = progress.pods;
    let done = |p: &k8s_openapi::api::core::v1::Pod| {
        is_finished(p) || any_app_has_run(p, &progress.roles)
    };
    if pods.len() >= PODS && pods.iter().all(|p| done(p)) {
        return Some(EndCondition::Done);
    }
    pods.iter()
        .any(|p| sidecar_restarted_and_running(p))
        .then_some(EndCondition::After(PATIENCE))
}
