//! `named-port-on-sidecar` (kubernetes#128850): a Service whose named `targetPort` exists only on
//! a native sidecar reaches it. Up to 1.32 the EndpointSlice controller looks the name up in the
//! regular containers only, the slice lists the pod without a port, and the Service answers
//! nothing; a twin Service naming the port by number answers throughout, so the failure is the
//! bug's and not the network's.

use std::time::Duration;

use super::end::{EndCondition, Progress};
use super::expectation::{ScenarioExpectation, guarding_control_plane};
use super::known_bug::{KnownBug, Patch};
use super::target::Target;
use super::{Check, NodeUse, ScenarioDef};
use crate::pod::{is_ready, is_running};

pub(super) const DEF: ScenarioDef = ScenarioDef {
    name: "named-port-on-sidecar",
    summary: "a Service whose named targetPort is only on a sidecar: it reaches the sidecar",
    caption: "A client calls two Services of one pod once a second: one names the sidecar's \
              port (sidecar-http), the other gives its number. Fixed: both answer 200. \
              kubernetes#128850: the named one gets no endpoint port and never answers.",
    manifest: include_str!("named-port-on-sidecar.yaml"),
    injected: false,
    node: NodeUse::Shared,
    // The EndpointSlice controller runs in the control plane: its version counts.
    expectation: |target| guarding_control_plane(&NAMED_PORT_NOT_RESOLVED, target),
    checks,
    end,
    plan_column: None,
};

/// A named `targetPort` is not looked up among native sidecars.
pub(super) const NAMED_PORT_NOT_RESOLVED: KnownBug = KnownBug {
    id: "kubernetes#128850",
    url: "https://github.com/kubernetes/kubernetes/pull/128850",
    title: "a Service's named targetPort that only a native sidecar declares gets no \
            EndpointSlice port: the Service answers nothing",
    // k8s.io/endpointslice findPort walks pod.Spec.Containers only (v0.28.15, v0.32.12
    // utils.go:383-399; a miss is logged at V(4) and the port left out).
    introduced_in: None,
    absent_in: &[],
    // #128850 in 1.33.0 (CHANGELOG-1.33.md:1852): v0.33.13 utils.go:394-404 walks restartable
    // init containers too. No 1.32 pick.
    fixed_in: &[Patch {
        minor: 33,
        patch: 0,
    }],
    open_upstream: None,
    racy: false,
};

/// How long the named Service must stay silent while the numbered one answers before the
/// silence is the bug: kube-proxy programs a new endpoint within a second or two.
pub(super) const SILENT_SECONDS: u32 = 20;
/// How long the recording goes on once the server is ready and the client runs: the silence
/// above, and the client's first calls.
const WATCH_AFTER_READY: Duration = Duration::from_secs(30);

fn checks(expected: &ScenarioExpectation, _: &Target) -> Vec<Check> {
    vec![
        Check::NamedPortServed {
            silent_seconds: SILENT_SECONDS,
            known_bug: expected.expects(&NAMED_PORT_NOT_RESOLVED),
        },
        Check::PrinterAgrees,
    ]
}

fn end(progress: &Progress<'_>) -> Option<EndCondition> {
    let ready = progress.pods.iter().any(|p| is_ready(p));
    let both_running = progress.pods.len() == 2 && progress.pods.iter().all(|p| is_running(p));
    (ready && both_running).then_some(EndCondition::After(WATCH_AFTER_READY))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::K8sVersion;

    #[test]
    fn expected_up_to_1_32() {
        let on = |minor, patch| {
            NAMED_PORT_NOT_RESOLVED.present_on_target(&Target::native(minor, Some(patch)))
        };
        assert!(on(28, 15) && on(31, 14) && on(32, 13));
        assert!(!on(33, 0) && !on(33, 13) && !on(35, 8) && !on(37, 2));
        assert_eq!(NAMED_PORT_NOT_RESOLVED.consistency(), Ok(()));
    }

    #[test]
    fn the_control_planes_minor_decides_on_a_cell_with_an_older_worker() {
        let mixed = Target {
            api_server: K8sVersion::new(33),
            ..Target::native(32, Some(13))
        };
        let expected = (DEF.expectation)(&mixed).expect("runs");
        assert!(expected.known_bugs.is_empty(), "{expected:?}");
        let single = Target {
            api_server: K8sVersion::new(32),
            ..mixed
        };
        let expected = (DEF.expectation)(&single).expect("runs");
        assert_eq!(expected.known_bugs, [&NAMED_PORT_NOT_RESOLVED]);
    }
}
