//! `restart-all-containers` (KEP-5532): what the API server answers to a native sidecar carrying
//! `restartPolicyRules`, per version (an API probe, like the gate's), and where it is stored,
//! that the kubelet acts on it: the sidecar's exit 42 restarts every container, init containers
//! first.

use std::time::Duration;

use serde::Serialize;

use super::end::{EndCondition, Progress};
use super::expectation::ScenarioExpectation;
use super::target::Target;
use super::{Check, NodeUse, ScenarioDef};
use crate::pod::is_running;

pub(super) const DEF: ScenarioDef = ScenarioDef {
    name: "restart-all-containers",
    summary: "a sidecar's restartPolicyRules (KEP-5532): the API's answer per version, and from \
              1.36 its exit 42 restarts every container",
    caption: "A sidecar says: on exit 42, restart all containers. Up to 1.33 the API refuses the \
              unknown field, 1.34 drops it, 1.35 forbids it on a sidecar; from 1.36 it is \
              stored, and the sidecar's exit re-runs the init container, then the app.",
    manifest: include_str!("restart-all-containers.yaml"),
    injected: false,
    node: NodeUse::Shared,
    expectation,
    checks,
    end,
    plan_column: None,
};

/// What the API server does with a native sidecar's `restartPolicyRules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RulesAnswer {
    /// The field is not in this version's Pod type: the apply is refused for an unknown field.
    UnknownField,
    /// The field exists, its gate is off: the pod is stored without it.
    Dropped,
    /// Validation refuses any rule on an init container with `restartPolicy: Always` (422).
    Forbidden,
    /// Stored as sent.
    Stored,
}

impl RulesAnswer {
    /// The answer of an API server of `minor` with default gates.
    pub fn of_minor(minor: u32) -> RulesAnswer {
        match minor {
            // k8s.io/api v0.33 has no RestartPolicyRules on Container.
            ..=33 => RulesAnswer::UnknownField,
            // ContainerRestartRules alpha, off (1.34.12 kube_features.go:1185-1187):
            // dropDisabledPodFields strips the rules (pkg/api/pod/util.go:757-758, :1732).
            34 => RulesAnswer::Dropped,
            // ContainerRestartRules beta on, RestartAllContainersOnContainerExits alpha off
            // (1.35.8 kube_features.go:1214-1217, :1720-1722): validation.go:3326-3333.
            35 => RulesAnswer::Forbidden,
            // RestartAllContainersOnContainerExits beta on (1.36.5 kube_features.go:1903-1906).
            _ => RulesAnswer::Stored,
        }
    }

    /// In words, for the check's description.
    pub fn describe(self) -> &'static str {
        match self {
            RulesAnswer::UnknownField => "refused: the field is unknown to this API server",
            RulesAnswer::Dropped => "stored without the rules (their gate is off)",
            RulesAnswer::Forbidden => {
                "refused: restartPolicyRules are not allowed for init containers with restart \
                 policy Always"
            }
            RulesAnswer::Stored => "stored with the rules",
        }
    }
}

/// The sidecar carrying the rules.
pub(super) const SIDECAR: &str = "sidecar";
/// How long the recording goes on once the pod runs: the sidecar exits 8 s after its start, and
/// the restart of every container takes the kubelet a sync or two.
const WATCH_AFTER_RUNNING: Duration = Duration::from_secs(35);

/// Where it runs: native sidecars (the rule is for a `restartPolicy: Always` init container).
fn expectation(target: &Target) -> Result<ScenarioExpectation, &'static str> {
    target.native_sidecars()?;
    let answer = RulesAnswer::of_minor(target.api_server.minor);
    Ok(ScenarioExpectation {
        pod_created: matches!(answer, RulesAnswer::Dropped | RulesAnswer::Stored),
        succeeds: Some(answer == RulesAnswer::Stored),
        ..ScenarioExpectation::default()
    })
}

fn checks(_: &ScenarioExpectation, target: &Target) -> Vec<Check> {
    let answer = RulesAnswer::of_minor(target.api_server.minor);
    let mut checks = vec![Check::RestartRulesAnswer {
        sidecar: SIDECAR,
        answer,
    }];
    // The kubelet acts on the rules only where they are stored, and only a kubelet that
    // declares the feature (1.36+) gets such a pod.
    if answer == RulesAnswer::Stored && target.k8s.minor >= 36 {
        checks.push(Check::AllContainersRestarted { sidecar: SIDECAR });
    }
    checks.push(Check::PrinterAgrees);
    checks
}

fn end(progress: &Progress<'_>) -> Option<EndCondition> {
    progress
        .pods
        .iter()
        .any(|p| is_running(p))
        .then_some(EndCondition::After(WATCH_AFTER_RUNNING))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(minor: u32) -> Target {
        Target::native(minor, None)
    }

    #[test]
    fn the_answer_follows_the_api_servers_minor() {
        assert_eq!(RulesAnswer::of_minor(29), RulesAnswer::UnknownField);
        assert_eq!(RulesAnswer::of_minor(33), RulesAnswer::UnknownField);
        assert_eq!(RulesAnswer::of_minor(34), RulesAnswer::Dropped);
        assert_eq!(RulesAnswer::of_minor(35), RulesAnswer::Forbidden);
        assert_eq!(RulesAnswer::of_minor(36), RulesAnswer::Stored);
        assert_eq!(RulesAnswer::of_minor(37), RulesAnswer::Stored);
    }

    #[test]
    fn the_restart_is_checked_only_where_the_rules_are_stored() {
        let names = |minor| -> Vec<&'static str> {
            let t = target(minor);
            let expected = expectation(&t).expect("runs");
            checks(&expected, &t).iter().map(Check::name).collect()
        };
        assert_eq!(names(35), ["restart-rules-answer", "printer-agrees"]);
        assert_eq!(names(34), ["restart-rules-answer", "printer-agrees"]);
        assert_eq!(
            names(37),
            ["restart-rules-answer", "all-containers-restarted", "printer-agrees"]
        );
        assert!(!expectation(&target(35)).expect("runs").pod_created);
    }
}
