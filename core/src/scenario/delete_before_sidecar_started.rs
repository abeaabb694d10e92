//! `delete-before-sidecar-started` (kubernetes#125880): a pod deleted while its native sidecar's
//! startup probe has not passed (behind a regular init container) must go at once; on the
//! patches without #125935 the sidecar gets no SIGTERM and the deletion takes the full grace
//! period.

use super::end::{EndCondition, Progress, delete_then_done};
use super::expectation::{ScenarioExpectation, guarding};
use super::known_bug::{KnownBug, Patch};
use super::target::Target;
use super::{Check, NodeUse, ScenarioDef};
use crate::pod::{container_status, has_run};

pub(super) const DEF: ScenarioDef = ScenarioDef {
    name: "delete-before-sidecar-started",
    summary: "a pod deleted while its sidecar's startup probe has not passed: gone in seconds",
    caption: "The pod is deleted while its sidecar has not started. Fixed: SIGTERM reaches it \
              and the pod goes at once. kubernetes#125880: it waits out its grace period.",
    manifest: include_str!("delete-before-sidecar-started.yaml"),
    injected: false,
    node: NodeUse::Shared,
    expectation: |target| guarding(&NO_SIGTERM_BEFORE_STARTED, target),
    checks,
    end,
    plan_column: None,
};

/// The sidecar that never started gets no SIGTERM: deletion waits out the grace period.
pub(super) const NO_SIGTERM_BEFORE_STARTED: KnownBug = KnownBug {
    id: "kubernetes#125880",
    url: "https://github.com/kubernetes/kubernetes/issues/125880",
    title: "a sidecar that has not started gets no SIGTERM: deletion takes the full grace period",
    // It came with 1.29's ordered termination (kuberuntime_termination_order.go, #120620): 1.28
    // stops every container at once, and 1.28.15 deleted this pod in 2.1 s, live, 2026-12-05.
    introduced_in: Some(Patch {
        minor: 29,
        patch: 0,
    }),
    absent_in: &[],
    // #125935 (1.31.0), backported by #126332 (1.29) and #126331 (1.30).
    // Patches: docs/sidecar-semantics.md §8.
    fixed_in: &[
        Patch { minor: 29, patch: 8 },
        Patch { minor: 30, patch: 4 },
        Patch { minor: 31, patch: 0 },
    ],
    open_upstream: None,
    racy: false,
};

/// The pod's `terminationGracePeriodSeconds`: long, so that a slow machine's fixed kubelet and
/// a buggy one that waits it out stay far apart.
const GRACE_SECONDS: u32 = 60;
/// The most a fixed kubelet may take: SIGTERM, the trap's exit, the status round trip. 1.9-5.3 s
/// on a quiet machine, 16.2 s with four clusters on two cores (the whole matrix at `--parallel
/// 4`, 2026-12-07), where a bound of 15 s had failed a healthy kubelet.
const FIXED_WITHIN_SECONDS: u32 = 45;
/// The sidecar's container name in the manifest.
const SIDECAR: &str = "never-started";

fn checks(expected: &ScenarioExpectation, _: &Target) -> Vec<Check> {
    vec![
        Check::DeletedWithin {
            seconds: FIXED_WITHIN_SECONDS,
            grace_seconds: GRACE_SECONDS,
            known_bug: expected.expects(&NO_SIGTERM_BEFORE_STARTED),
        },
        Check::PrinterAgrees,
    ]
}

fn end(progress: &Progress<'_>) -> Option<EndCondition> {
    // Delete as soon as the sidecar runs: its probe cannot pass, so it has not started.
    delete_then_done(
        progress,
        |p| container_status(p, SIDECAR).is_some_and(has_run),
        false,
    )
}
