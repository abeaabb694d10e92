//! `sidecar-crash-restart`: a native sidecar that exits while the app runs is restarted, its
//! `restartCount` says so, and the app runs on undisturbed. Guards the frozen-status bug of the
//! early 1.28 and 1.29 patches (the sidecar's first `Terminated` state kept for ever in Never and
//! OnFailure pods, fixed by #123710 and #123709).

use super::end::done_when_finished;
use super::expectation::{ScenarioExpectation, guarding};
use super::known_bug::{KnownBug, Patch};
use super::target::Target;
use super::{Check, NodeUse, ScenarioDef};

pub(super) const DEF: ScenarioDef = ScenarioDef {
    name: "sidecar-crash-restart",
    summary: "a sidecar that exits while the app runs is restarted; the app runs on",
    caption: "The sidecar exits with 1 three seconds in and is restarted while the app runs on; \
              the pod then completes.",
    manifest: include_str!("sidecar-crash-restart.yaml"),
    injected: false,
    node: NodeUse::Shared,
    expectation: |target| guarding(&FROZEN_STATUS, target),
    checks,
    end: done_when_finished,
    plan_column: None,
};

/// The sidecar's status stays in its first `Terminated` state while it restarts.
pub(super) const FROZEN_STATUS: KnownBug = KnownBug {
    id: "kubernetes#123709",
    url: "https://github.com/kubernetes/kubernetes/pull/123709",
    title: "a restarted sidecar's status stays frozen in its first Terminated state",
    introduced_in: None,
    absent_in: &[],
    // Fixed in 1.30.0; backported by #123709 (1.29) and #123710 (1.28).
    // Patches: docs/sidecar-semantics.md §8.
    fixed_in: &[
        Patch { minor: 28, patch: 8 },
        Patch { minor: 29, patch: 3 },
        Patch { minor: 30, patch: 0 },
    ],
    open_upstream: None,
    racy: false,
};

fn checks(expected: &ScenarioExpectation, _: &Target) -> Vec<Check> {
    vec![
        Check::SidecarRestarted {
            sidecar: "crashy",
            known_bug: expected.expects(&FROZEN_STATUS),
        },
        Check::PrinterAgrees,
    ]
}

