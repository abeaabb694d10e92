//! `started-after-liveness` (kubernetes#141155): a native sidecar restarted after a liveness
//! failure is a new container, and its liveness and readiness probes must wait for its own
//! startup probe. From 1.35 the new container inherits `started: true` from the old one's
//! status, and its probes run until the startup worker's next tick. Open upstream: the fix is on
//! the 1.38 branch only.

use std::time::Duration;

use super::end::{EndCondition, Progress};
use super::expectation::{ScenarioExpectation, guarding};
use super::known_bug::{KnownBug, Patch, PendingFix};
use super::target::Target;
use super::{Check, NodeUse, ScenarioDef};
use crate::pod::sidecar_restarted_and_running;

pub(super) const DEF: ScenarioDef = ScenarioDef {
    name: "started-after-liveness",
    summary: "a sidecar restarted by its liveness probe: its probes wait for its startup probe",
    caption: "The sidecar's liveness probe fails once and the kubelet restarts it. Fixed: the \
              new container's liveness and readiness probes wait until its startup probe \
              passes. kubernetes#141155: it inherits started=true and they run at once.",
    manifest: include_str!("started-after-liveness.yaml"),
    injected: false,
    // It only runs pods. Its trigger is aligned to the startup probe's own ticks (the probe
    // notes its pass), so the kubelet's phase does not matter; a kubelet restart during the
    // window would (new probe workers), and the scenario that restarts it runs alone.
    node: NodeUse::Shared,
    expectation: |target| guarding(&STARTED_INHERITED, target),
    checks,
    end,
    plan_column: None,
};

/// A container restarted after a liveness failure inherits `started: true`.
pub(super) const STARTED_INHERITED: KnownBug = KnownBug {
    id: "kubernetes#141155",
    url: "https://github.com/kubernetes/kubernetes/issues/141155",
    title: "a sidecar restarted after a liveness failure inherits started=true: its liveness \
            and readiness probes run before its startup probe passed",
    // #134746 (1.35.0, CHANGELOG-1.35.md:1084) added ChangeContainerStatusOnKubeletRestart, off
    // by default; with it off the status copies `started` by container name
    // (kubelet_pods.go:2595-2601 in 1.35.8, :2660 in 1.36.5, :2692 in 1.37.2) and
    // isContainerStarted trusts it (prober_manager.go:284, 1.37.2 :296). 1.34.12 has neither.
    introduced_in: Some(Patch {
        minor: 35,
        patch: 0,
    }),
    absent_in: &[],
    // No released patch has the fix: 1.35.8, 1.36.5 and 1.37.2 copy unconditionally. The fix is
    // in the 1.38 pre-release (v1.38.0-beta.0 kubelet_pods.go:2736-2744 compares container IDs);
    // when 1.38.0 is out (and a pinned patch shows the healthy behaviour), it gets fixed_in.
    fixed_in: &[],
    open_upstream: Some(PendingFix {
        pr: "https://github.com/kubernetes/kubernetes/pull/141342",
        status: "in 1.38 from v1.38.0-beta.0 (inherits `started` only for the same container \
                 ID), not in a release yet; the 1.37, 1.36 and 1.35 cherry-picks (#142041, \
                 #142042, #142043) are open",
    }),
    racy: false,
};

/// The sidecar's container name in the manifest.
const SIDECAR: &str = "probed";

/// How long, after the restarted sidecar is first seen running, the recording goes on: the
/// restart comes 7-9 s after a startup tick, the bug's window ends at the next tick (20 s after
/// it), and the new container's startup probe passes at the tick after (40 s), which the healthy
/// side needs to see its probes start.
const WATCH_AFTER_RESTART: Duration = Duration::from_secs(45);

fn checks(expected: &ScenarioExpectation, _: &Target) -> Vec<Check> {
    vec![
        Check::ProbesWaitForStartup {
            sidecar: SIDECAR,
            known_bug: expected.expects(&STARTED_INHERITED),
        },
        Check::PrinterAgrees,
    ]
}

fn end(progress: &Progress<'_>) -> Option<EndCondition> {
    progress
        .pods
        .iter()
        .any(|p| sidecar_restarted_and_running(p))
        .then_some(EndCondition::After(WATCH_AFTER_RESTART))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(minor: u32, patch: u32) -> Target {
        Target::native(minor, Some(patch))
    }

    #[test]
    fn expected_on_every_patch_from_1_35_and_open_upstream() {
        for (minor, patch) in [(28, 15), (32, 13), (34, 12)] {
            assert!(!STARTED_INHERITED.present_on_target(&target(minor, patch)));
        }
        for (minor, patch) in [(35, 0), (35, 8), (36, 5), (37, 2), (37, 99)] {
            assert!(
                STARTED_INHERITED.present_on_target(&target(minor, patch)),
                "1.{minor}.{patch}"
            );
        }
        assert!(STARTED_INHERITED.is_open_upstream());
        assert_eq!(STARTED_INHERITED.consistency(), Ok(()));
    }
}
