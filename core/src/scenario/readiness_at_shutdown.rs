//! `readiness-at-shutdown` (kubernetes#140881, #140509): a pod being deleted whose app stops
//! serving must go unready while it finishes: the sidecar's exec readiness probe keeps running
//! during termination. On the patches with the 1.35 regression the probe workers' context is
//! cancelled when the pod starts terminating, every exec probe errors, and `Ready` stays true for
//! the whole shutdown.

use super::end::{EndCondition, Progress, delete_then_done};
use super::expectation::ScenarioExpectation;
use super::known_bug::{KnownBug, Patch, PatchRange};
use super::target::Target;
use super::{Check, NodeUse, ScenarioDef};
use crate::pod::{container_status, is_ready};

pub(super) const DEF: ScenarioDef = ScenarioDef {
    name: "readiness-at-shutdown",
    summary: "a deleted pod whose app stops serving: its sidecar's readiness probe fails, Ready=False",
    caption: "The pod is deleted; the app stops serving and takes 20 s to exit. Fixed: the \
              sidecar's readiness probe fails within a second or two and the pod goes \
              Ready=False. kubernetes#140881: the probe errors with context canceled and Ready \
              stays True until the app exits.",
    manifest: include_str!("readiness-at-shutdown.yaml"),
    injected: false,
    node: NodeUse::Shared,
    expectation,
    checks,
    end,
    plan_column: None,
};

/// Exec readiness probes stop running once the pod starts terminating.
pub(super) const READINESS_FROZEN_AT_SHUTDOWN: KnownBug = KnownBug {
    id: "kubernetes#140881",
    url: "https://github.com/kubernetes/kubernetes/issues/140881",
    title: "exec readiness probes fail with context canceled once the pod terminates: Ready \
            stays True for the whole grace period",
    // #130487 (1.35.0) started the probe workers with the pod worker's sync context (1.35.8
    // prober_manager.go:185, `go w.run(ctx)` :203-227), which UpdatePod cancels when the pod
    // starts terminating (pod_workers.go:992-994, reused at :1158-1161). 1.34.12 runs them on
    // context.Background() (worker.go:159).
    introduced_in: Some(Patch {
        minor: 35,
        patch: 0,
    }),
    // 1.36.0-1.36.2 made a new context per sync (v1.36.2 pod_workers.go:1155) and so never
    // cancelled the first sync's, which the workers hold: they escaped by accident. #140066
    // (1.36.3, CHANGELOG-1.36.md:361) fixed that leak by reusing the context again
    // (v1.36.3/v1.36.5 pod_workers.go:1165-1169), and the bug with it.
    absent_in: &[PatchRange {
        first: Patch {
            minor: 36,
            patch: 0,
        },
        last: Patch {
            minor: 36,
            patch: 2,
        },
    }],
    // #140882 (1.37.0, CHANGELOG-1.37.md:603) detaches the workers (1.37.2
    // prober_manager.go:201, context.WithoutCancel). The 1.35 and 1.36 cherry-picks (#141005,
    // #141006) are in no pinned patch: 1.35.8 and 1.36.5 still pass the sync context.
    fixed_in: &[Patch {
        minor: 37,
        patch: 0,
    }],
    open_upstream: None,
    racy: false,
};

/// The sidecar's container name in the manifest.
const SIDECAR: &str = "sidecar";
/// The most a healthy kubelet may take from the delete to the sidecar's unready status: the
/// app's SIGTERM, a one-second probe period, the status round trip (under a loaded node).
const UNREADY_WITHIN_SECONDS: u32 = 10;

/// Where it runs: native sidecars, and 1.29's ordered termination (on 1.28 the sidecar gets
/// SIGTERM with the app and exits, so its readiness afterwards is not its probe's).
fn expectation(target: &Target) -> Result<ScenarioExpectation, &'static str> {
    target.native_sidecars()?;
    if !target.k8s.orders_sidecar_termination() {
        return Err("needs ordered termination (1.29+): on 1.28 the sidecar stops with the app");
    }
    let known_bugs = ScenarioExpectation::bugs_on(&[&READINESS_FROZEN_AT_SHUTDOWN], target);
    Ok(ScenarioExpectation {
        pod_created: true,
        succeeds: Some(known_bugs.is_empty()),
        known_bugs,
        ..ScenarioExpectation::default()
    })
}

fn checks(expected: &ScenarioExpectation, _: &Target) -> Vec<Check> {
    vec![
        Check::UnreadyDuringShutdown {
            sidecar: SIDECAR,
            seconds: UNREADY_WITHIN_SECONDS,
            known_bug: expected.expects(&READINESS_FROZEN_AT_SHUTDOWN),
        },
        Check::PrinterAgrees,
    ]
}

fn end(progress: &Progress<'_>) -> Option<EndCondition> {
    // Delete once the pod is Ready (the sidecar's probe has passed); done when it is gone.
    delete_then_done(
        progress,
        |p| is_ready(p) && container_status(p, SIDECAR).is_some_and(|c| c.ready),
        true,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(minor: u32, patch: u32) -> Target {
        Target::native(minor, Some(patch))
    }

    #[test]
    fn expected_on_1_35_and_on_1_36_from_its_third_patch_until_1_37() {
        let present = |minor, patch| {
            expectation(&target(minor, patch))
                .expect("runs")
                .known_bugs
                .contains(&&READINESS_FROZEN_AT_SHUTDOWN)
        };
        for (minor, patch) in [(29, 15), (32, 13), (34, 12), (36, 0), (36, 2), (37, 0), (37, 2)] {
            assert!(!present(minor, patch), "1.{minor}.{patch}");
        }
        for (minor, patch) in [(35, 0), (35, 8), (36, 3), (36, 5)] {
            assert!(present(minor, patch), "1.{minor}.{patch}");
        }
        assert_eq!(READINESS_FROZEN_AT_SHUTDOWN.consistency(), Ok(()));
    }

    #[test]
    fn it_needs_ordered_termination() {
        assert!(expectation(&target(28, 15)).is_err());
        let off = Target {
            sidecars_on: false,
            ..target(32, 13)
        };
        assert!(expectation(&off).is_err());
    }
}
