//! `kubelet-restart`: after the node's kubelet restarts, an app container that crashes is still
//! restarted. Guards the 1.35.0 regression (a pod whose sidecar has a startup probe: crashed
//! regular containers never restarted once the kubelet had restarted), fixed in a 1.35 patch.
//! Needs a shell on the node: a kind cluster the run made.

use std::time::Duration;

use super::end::{EndCondition, Progress};
use super::expectation::{ScenarioExpectation, guarding};
use super::known_bug::{KnownBug, Patch};
use super::target::Target;
use super::{Check, NodeUse, ScenarioDef};
use crate::pod::{any_app_has_run, app_statuses, is_running};

pub(super) const DEF: ScenarioDef = ScenarioDef {
    name: "kubelet-restart",
    summary: "the node's kubelet restarts, then the app crashes: it must be restarted",
    caption: "The harness restarts the node's kubelet while the app runs; the app then exits 1 \
              and the new kubelet restarts it. On 1.35.0 it never did.",
    manifest: include_str!("kubelet-restart.yaml"),
    injected: false,
    node: NodeUse::Alone {
        acts: "restarts the node's kubelet",
    },
    expectation: |target| guarding(&NO_RESTART_AFTER_KUBELET_RESTART, target),
    checks,
    end,
    plan_column: None,
};

/// After a kubelet restart, crashed app containers of a pod whose sidecar has a startup probe
/// are never restarted.
pub(super) const NO_RESTART_AFTER_KUBELET_RESTART: KnownBug = KnownBug {
    id: "kubernetes#136910",
    url: "https://github.com/kubernetes/kubernetes/issues/136910",
    title: "after a kubelet restart, a crashed app beside a probed sidecar is never restarted",
    introduced_in: Some(Patch {
        minor: 35,
        patch: 0,
    }),
    absent_in: &[],
    // Fixed by #137146 (1.36.0) and its 1.35 cherry-pick #137885, merged 2026-03-19: 1.35.4 is
    // the first patch cut after it (inferred from the date; 1.35.8's prober/worker.go seeds the
    // sidecar's startup result, lines 268-277). docs/sidecar-semantics.md §8.
    fixed_in: &[
        Patch {
            minor: 35,
            patch: 4,
        },
        Patch {
            minor: 36,
            patch: 0,
        },
    ],
    open_upstream: None,
    racy: false,
};

/// How long a crashed app gets to be restarted before "never" is recorded (the kubelet's first
/// back-off is 10 s).
const PATIENCE: Duration = Duration::from_secs(40);

fn checks(expected: &ScenarioExpectation, _: &Target) -> Vec<Check> {
    vec![
        Check::AppRestarted {
            known_bug: expected.expects(&NO_RESTART_AFTER_KUBELET_RESTART),
        },
        Check::PrinterAgrees,
    ]
}

fn end(progress: &Progress<'_>) -> Option<EndCondition> {
    let pods = progress.pods;
    let app_restarted = |p: &&k8s_openapi::api::core::v1::Pod| {
        app_statuses(p, &progress.roles)
            .iter()
            .any(|c| c.restart_count >= 1)
    };
    if pods.iter().any(app_restarted) {
        return Some(EndCondition::Done);
    }
    if !progress.kubelet_restarted {
        return pods
            .iter()
            .any(|p| is_running(p) && any_app_has_run(p, &progress.roles))
            .then_some(EndCondition::RestartKubelet);
    }
    Some(EndCondition::After(PATIENCE + Duration::from_secs(15)))
}
