//! `hostport-conflict` (kubernetes#132040, #133390): two pods whose native sidecars ask for the
//! same `hostPort` cannot share a node: the scheduler places one and keeps the other Pending. On
//! the patches with the bug the scheduler and the kubelet's admission count host ports of regular
//! containers only, and both pods run on the one node.

use std::time::Duration;

use super::end::{EndCondition, Progress};
use super::expectation::{ScenarioExpectation, guarding_control_plane};
use super::known_bug::{KnownBug, Patch};
use super::target::Target;
use super::{Check, NodeUse, ScenarioDef};
use crate::pod::{failure_reason, is_running, is_unschedulable};

pub(super) const DEF: ScenarioDef = ScenarioDef {
    name: "hostport-conflict",
    summary: "two pods whose sidecars want the same hostPort: one runs, the other stays Pending",
    caption: "Two pods' native sidecars ask for host port 18080 on the one node that takes \
              pods. Fixed: the scheduler places one and keeps the other Pending (no free \
              ports). kubernetes#132040: sidecars' host ports are not counted, and both run.",
    manifest: include_str!("hostport-conflict.yaml"),
    injected: false,
    // It only runs pods; its port is one no other scenario asks for.
    node: NodeUse::Shared,
    // The scheduler decides first (a fixed one never places the second pod), so the control
    // plane's version is the one that counts.
    expectation: |target| guarding_control_plane(&SIDECAR_HOST_PORT_IGNORED, target),
    checks,
    end,
    plan_column: None,
};

/// The scheduler and the kubelet's admission ignore a native sidecar's `hostPort`.
pub(super) const SIDECAR_HOST_PORT_IGNORED: KnownBug = KnownBug {
    id: "kubernetes#132040",
    url: "https://github.com/kubernetes/kubernetes/issues/132040",
    title: "the scheduler and the kubelet ignore a native sidecar's hostPort: two pods wanting \
            the same host port run on one node",
    // Present since native sidecars: getContainerPorts reads pod.Spec.Containers only (1.28.15
    // node_ports.go:63-79, 1.32.13 :68-84), as does NodeInfo.updateUsedPorts (1.32.13
    // framework/types.go:1132-1143); the kubelet's admission runs the same Fits
    // (lifecycle/predicate.go:343-372).
    introduced_in: None,
    absent_in: &[],
    // util.GetHostPorts counts restartable init containers too (1.33.13 scheduler/util/utils.go
    // :194-225): #133390 in 1.33.6 (CHANGELOG-1.33.md:955), #132040 in 1.34.0
    // (CHANGELOG-1.34.md:1519).
    fixed_in: &[
        Patch {
            minor: 33,
            patch: 6,
        },
        Patch {
            minor: 34,
            patch: 0,
        },
    ],
    open_upstream: None,
    racy: false,
};

/// How long the pod left out must stay out once the other runs: the scheduler retries an
/// unschedulable pod on every cluster event that could free a port, and a healthy one keeps
/// saying no.
pub(super) const HOLD_SECONDS: u32 = 10;

fn checks(expected: &ScenarioExpectation, _: &Target) -> Vec<Check> {
    vec![
        Check::HostPortHonoured {
            hold_seconds: HOLD_SECONDS,
            known_bug: expected.expects(&SIDECAR_HOST_PORT_IGNORED),
        },
        Check::PrinterAgrees,
    ]
}

fn end(progress: &Progress<'_>) -> Option<EndCondition> {
    let running = progress.pods.iter().filter(|p| is_running(p)).count();
    let refused = progress
        .pods
        .iter()
        .filter(|p| is_unschedulable(p) || failure_reason(p) == Some("NodePorts"))
        .count();
    match (running, refused) {
        // The bug: both run. A few seconds more show neither is thrown out later.
        (2.., _) => Some(EndCondition::After(Duration::from_secs(5))),
        // Fixed: one runs, one is refused; watch it stay refused.
        (1, 1..) => Some(EndCondition::After(Duration::from_secs(
            u64::from(HOLD_SECONDS) + 3,
        ))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{EffectiveMode, K8sVersion};

    fn target(minor: u32, patch: u32) -> Target {
        Target::native(minor, Some(patch))
    }

    #[test]
    fn expected_up_to_1_33_5_and_on_every_older_minor() {
        for (minor, patch) in [(28, 15), (32, 13), (33, 0), (33, 5)] {
            assert!(
                SIDECAR_HOST_PORT_IGNORED.present_on_target(&target(minor, patch)),
                "1.{minor}.{patch}"
            );
        }
        for (minor, patch) in [(33, 6), (33, 13), (34, 0), (35, 8), (37, 2)] {
            assert!(
                !SIDECAR_HOST_PORT_IGNORED.present_on_target(&target(minor, patch)),
                "1.{minor}.{patch}"
            );
        }
        assert_eq!(SIDECAR_HOST_PORT_IGNORED.consistency(), Ok(()));
    }

    #[test]
    fn a_cell_with_an_older_worker_is_not_asserted_where_the_fix_came_mid_minor() {
        // The scheduler is 1.33.x, whose fix came in 1.33.6; only the 1.32 kubelet's patch is known.
        let mixed = Target {
            api_server: K8sVersion::new(33),
            ..target(32, 13)
        };
        assert!((DEF.expectation)(&mixed).is_err());
        let newer = Target {
            api_server: K8sVersion::new(35),
            ..target(32, 13)
        };
        assert!((DEF.expectation)(&newer).expect("runs").known_bugs.is_empty());
    }

    fn pod(name: &str, status: serde_json::Value) -> k8s_openapi::api::core::v1::Pod {
        serde_json::from_value(serde_json::json!({"metadata": {"name": name}, "status": status}))
            .expect("pod")
    }

    #[test]
    fn it_ends_once_both_run_or_one_is_refused() {
        let running = pod("a", serde_json::json!({"phase": "Running"}));
        let pending = pod("b", serde_json::json!({"phase": "Pending"}));
        let refused = pod(
            "b",
            serde_json::json!({"phase": "Pending", "conditions": [
                {"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}]}),
        );
        let progress = |pods: &[&k8s_openapi::api::core::v1::Pod]| {
            let pods: Vec<&k8s_openapi::api::core::v1::Pod> = pods.to_vec();
            end(&Progress {
                pods: &pods,
                apply_refused: false,
                failed_create: false,
                deleted_pod_gone: false,
                kubelet_restarted: false,
                roles: crate::pod::PodRoles::proxy("sidecar"),
                mode: EffectiveMode::Native,
            })
        };
        assert_eq!(progress(&[&running, &pending]), None);
        assert_eq!(
            progress(&[&running, &refused]),
            Some(EndCondition::After(Duration::from_secs(13)))
        );
        assert_eq!(
            progress(&[&running, &running]),
            Some(EndCondition::After(Duration::from_secs(5)))
        );
    }
}
